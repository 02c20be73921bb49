//! `unicloud network …`: describe route tables; create, replace and delete routes.

use clap::Subcommand;
use unicloud::Fleet;
use unicloud::base::Error;
use unicloud::network::{
    Cidr, RouteChange, RouteTable, RouteTableFilters, RouteTableQuery, RouteTarget, RouteUpdate,
};

use crate::common::{self, GlobalArgs, OutputFormat};

/// The `network` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum NetworkCommand {
    /// List route tables with their routes, following every page.
    DescribeRouteTables {
        /// Only these tables (repeatable).
        #[arg(long = "id", value_name = "ID")]
        ids: Vec<String>,
        /// A filter `KEY=VALUE[,VALUE...]` (repeatable). Keys: vpc, name, subnet, tag:<key>.
        #[arg(long = "filter", value_name = "KEY=VALUE[,VALUE...]")]
        filters: Vec<String>,
        /// List in each of these regions at once (comma-separated or repeated; replaces
        /// --region); a region that fails is reported and the others are still listed.
        #[arg(long = "regions", value_name = "REGION,...", value_delimiter = ',')]
        regions: Vec<String>,
    },
    /// Point existing routes at new targets, all or nothing (rolled back where the cloud
    /// changes one route per call).
    ReplaceRoutes(RoutesArgs),
    /// Add routes, all or nothing.
    CreateRoutes(RoutesArgs),
    /// Remove routes, all or nothing.
    DeleteRoutes {
        /// The route table.
        #[arg(long)]
        table: String,
        /// The destination CIDR of a route to remove (repeatable).
        #[arg(long = "destination", value_name = "CIDR", required = true)]
        destinations: Vec<String>,
    },
}

/// A table and routes.
#[derive(Debug, clap::Args)]
pub(crate) struct RoutesArgs {
    /// The route table.
    #[arg(long)]
    table: String,
    /// A route `CIDR=KIND:ID` (repeatable). Kinds: igw, nat, instance, eni, vpn, peering,
    /// transit, local, other:VENDOR_TYPE.
    #[arg(long = "route", value_name = "CIDR=KIND:ID", required = true)]
    routes: Vec<String>,
}

fn parse_routes(raw: &[String]) -> Result<Vec<RouteChange>, Error> {
    raw.iter().map(|r| r.parse()).collect()
}

fn parse_destinations(raw: &[String]) -> Result<Vec<Cidr>, Error> {
    raw.iter().map(|d| d.parse()).collect()
}

/// Runs one `network` subcommand.
pub(crate) async fn run(global: &GlobalArgs, command: &NetworkCommand) -> Result<(), Error> {
    // Input errors in the command itself come before any credentials are looked up.
    let format = global.output;
    match command {
        NetworkCommand::DescribeRouteTables {
            ids,
            filters,
            regions,
        } => {
            let filters = RouteTableFilters::parse(filters)?;
            if !regions.is_empty() {
                let fleet = global.fleet(regions).await?;
                let found =
                    fleet.describe_route_tables(RouteTableQuery::ids(ids).filters(filters))?;
                let report = Fleet::collect(found).await;
                return common::print_regional(format, report, &TABLE_HEADERS, route_table_rows);
            }
            let network = global.cloud().await?.network();
            let tables = network
                .list_route_tables(RouteTableQuery::ids(ids).filters(filters))
                .await?;
            common::print(format, &tables, || route_table_text(&tables))
        }
        NetworkCommand::ReplaceRoutes(a) => {
            let changes = parse_routes(&a.routes)?;
            let network = global.cloud().await?.network();
            let updates = network.replace_routes(&a.table, &changes).await?;
            print_updates(format, &updates)
        }
        NetworkCommand::CreateRoutes(a) => {
            let changes = parse_routes(&a.routes)?;
            let network = global.cloud().await?.network();
            let updates = network.create_routes(&a.table, &changes).await?;
            print_updates(format, &updates)
        }
        NetworkCommand::DeleteRoutes {
            table,
            destinations,
        } => {
            let destinations = parse_destinations(destinations)?;
            let network = global.cloud().await?.network();
            let updates = network.delete_routes(table, &destinations).await?;
            print_updates(format, &updates)
        }
    }
}

fn target_cell(t: Option<&RouteTarget>) -> String {
    t.map_or_else(|| "-".to_owned(), ToString::to_string)
}

fn print_updates(format: OutputFormat, updates: &[RouteUpdate]) -> Result<(), Error> {
    common::print(format, updates, || {
        let rows: Vec<Vec<String>> = updates
            .iter()
            .map(|u| {
                vec![
                    u.destination.to_string(),
                    target_cell(u.previous.as_ref()),
                    target_cell(u.current.as_ref()),
                ]
            })
            .collect();
        common::table(&["DESTINATION", "PREVIOUS", "CURRENT"], &rows)
    })
}

/// One row per route (a table without routes gets one row of dashes).
pub(crate) fn route_table_text(tables: &[RouteTable]) -> String {
    let rows: Vec<Vec<String>> = tables.iter().flat_map(route_table_rows).collect();
    common::table(&TABLE_HEADERS, &rows)
}

/// The columns of the route-table text.
const TABLE_HEADERS: [&str; 8] = [
    "TABLE",
    "VPC",
    "MAIN",
    "NAME",
    "DESTINATION",
    "TARGET",
    "STATE",
    "ORIGIN",
];

/// One table's rows: one per route (one row of dashes when it has none).
fn route_table_rows(t: &RouteTable) -> Vec<Vec<String>> {
    let head = || {
        vec![
            t.id.clone(),
            t.vpc_id.clone(),
            if t.main { "yes" } else { "no" }.to_owned(),
            common::cell(t.name.as_deref()),
        ]
    };
    let mut rows = Vec::new();
    if t.routes.is_empty() {
        let mut row = head();
        row.extend(["-", "-", "-", "-"].map(String::from));
        rows.push(row);
    }
    for r in &t.routes {
        let mut row = head();
        row.extend([
            r.destination.to_string(),
            r.target.to_string(),
            r.state.to_string(),
            r.origin.as_str().to_owned(),
        ]);
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use unicloud::base::{ErrorKind, Provider};
    use unicloud::network::Route;

    use super::*;

    #[test]
    fn routes_and_destinations_parse_the_cli_form() {
        let c = parse_routes(&[
            "10.0.0.0/16=instance:i-1".into(),
            "0.0.0.0/0=igw:igw-1".into(),
        ])
        .unwrap();
        assert_eq!(c.len(), 2);
        for bad in [
            "10.0.0.0/16",
            "10.0.0.1/16=local",
            "10.0.0.0/16=bogus:1",
            "=local",
        ] {
            let e = parse_routes(&[bad.into()]).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad}");
        }
        assert!(parse_destinations(&["10.0.0.0/33".into()]).is_err());
    }

    #[test]
    fn the_table_has_a_row_per_route() {
        let mut t = RouteTable::new(Provider::Aws, "rtb-1", "vpc-1");
        t.main = true;
        t.routes.push(Route::new(
            "10.0.0.0/16".parse().unwrap(),
            RouteTarget::local(),
        ));
        t.routes.push(Route::new(
            "0.0.0.0/0".parse().unwrap(),
            "igw:igw-1".parse().unwrap(),
        ));
        let empty = RouteTable::new(Provider::Aws, "rtb-2", "vpc-1");
        let text = route_table_text(&[t, empty]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(
            lines[1].contains("10.0.0.0/16") && lines[1].contains("local"),
            "{text}"
        );
        assert!(
            lines[2].contains("igw:igw-1") && lines[2].contains("custom"),
            "{text}"
        );
        assert!(lines[3].starts_with("rtb-2"), "{text}");
    }
}
