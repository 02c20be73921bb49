//! Per vendor, encoding a DescribeInstances request and decoding a page of 100 instances into
//! the unified `Instance`, with no network. See the crate docs of `unicloud-bench` for how to
//! run it and what each AWS figure includes.

#![allow(clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tokio::runtime::Runtime;
use unicloud_alibaba::encode::to_query_pairs;
use unicloud_alibaba::generated::ecs;
use unicloud_bench::{
    ALIBABA_REGION, EC2_EMPTY_PAGE, PAGE, alibaba_page, aws_in_memory_client, emulator_ec2_page,
    tencent_example_output, tencent_page,
};
use unicloud_compute::bench::{decode_alibaba_page, decode_tencent_page, map_aws_page};
use unicloud_tencent::generated::cvm;
use unicloud_testkit::capture::captured_reply;
use unicloud_testkit::fixtures::tencent_examples_dir;

const PAGE_I32: i32 = PAGE as i32;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn tencent(c: &mut Criterion) {
    // What the Tencent backend sends for the first page: no ids, no filters.
    let req = cvm::DescribeInstancesRequest {
        instance_ids: None,
        filters: None,
        offset: Some(0),
        limit: Some(PAGE as i64),
    };
    c.bench_function("codec/tencent/encode_describe", |b| {
        b.iter(|| serde_json::to_vec(black_box(&req)).expect("encodes"))
    });

    let examples =
        std::fs::read_to_string(tencent_examples_dir().join("cvm-v20170312.examples.json"))
            .expect("read the CVM examples");
    let output = tencent_example_output(&examples, "DescribeInstances")
        .expect("a DescribeInstances example");
    let body = tencent_page(&output, PAGE).expect("a page of 100");
    let page = decode_tencent_page(&body).expect("decodes");
    assert_eq!(page.len(), PAGE);
    assert_eq!(page[PAGE - 1].id, format!("ins-{:08x}", PAGE - 1));
    c.bench_function("codec/tencent/decode_page_100", |b| {
        b.iter(|| decode_tencent_page(black_box(&body)).expect("decodes"))
    });
    // The same reply decoded only into the generated vendor types, as `TencentClient::call`
    // returns it: the difference to the line above is the mapping into `Instance`.
    c.bench_function("codec/tencent/decode_page_100_vendor_types", |b| {
        b.iter(|| {
            unicloud_tencent::client::decode_reply::<cvm::DescribeInstancesResponse>(
                200,
                black_box(&body),
                None,
                "DescribeInstances",
            )
            .expect("decodes")
        })
    });
}

fn alibaba(c: &mut Criterion) {
    // What the Alibaba backend sends for the first page: no ids, no filters.
    let req = ecs::DescribeInstancesRequest {
        region_id: ALIBABA_REGION.to_owned(),
        max_results: Some(PAGE_I32),
        ..Default::default()
    };
    c.bench_function("codec/alibaba/encode_describe", |b| {
        b.iter(|| to_query_pairs(black_box(&req)).expect("encodes"))
    });

    let reply = captured_reply("011").expect("wire capture 011");
    let body = alibaba_page(&reply.body, PAGE).expect("a page of 100");
    let page = decode_alibaba_page(&body).expect("decodes");
    assert_eq!(page.len(), PAGE);
    assert_eq!(page[PAGE - 1].id, format!("i-bp1{:016x}", PAGE - 1));
    c.bench_function("codec/alibaba/decode_page_100", |b| {
        b.iter(|| decode_alibaba_page(black_box(&body)).expect("decodes"))
    });
    // The same reply decoded only into the generated vendor types, as `AlibabaClient::call`
    // returns it: the difference to the line above is the mapping into `Instance`.
    c.bench_function("codec/alibaba/decode_page_100_vendor_types", |b| {
        b.iter(|| {
            unicloud_alibaba::client::decode_reply::<ecs::DescribeInstancesResponse>(
                200,
                black_box(&body),
                None,
                "DescribeInstances",
            )
            .expect("decodes")
        })
    });
}

fn aws(c: &mut Criterion) {
    let rt = runtime();
    let empty = rt.block_on(aws_in_memory_client(EC2_EMPTY_PAGE.as_bytes().to_vec()));
    let out = rt
        .block_on(empty.describe_instances().max_results(PAGE_I32).send())
        .expect("the in-memory call succeeds");
    assert!(out.reservations().is_empty());
    c.bench_function(
        "codec/aws/encode_describe (whole SDK call, empty reply)",
        |b| {
            b.iter(|| {
                rt.block_on(empty.describe_instances().max_results(PAGE_I32).send())
                    .expect("the in-memory call succeeds")
            })
        },
    );

    let body = rt
        .block_on(emulator_ec2_page(PAGE))
        .expect("the emulator's page of 100");
    let full = rt.block_on(aws_in_memory_client(body));
    let full = &full;
    let call = move || async move {
        let out = full
            .describe_instances()
            .max_results(PAGE_I32)
            .send()
            .await
            .expect("the in-memory call succeeds");
        map_aws_page(&out).expect("maps")
    };
    let page = rt.block_on(call());
    assert_eq!(page.len(), PAGE);
    c.bench_function(
        "codec/aws/decode_page_100 (whole SDK call + mapping)",
        |b| b.iter(|| rt.block_on(call())),
    );
}

criterion_group!(codecs, tencent, alibaba, aws);
criterion_main!(codecs);
