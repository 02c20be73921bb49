//! XML text for the AWS Query replies.

pub(crate) use crate::util::xml_escape as escape;

/// The XML declaration every AWS reply starts with.
pub(crate) const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
