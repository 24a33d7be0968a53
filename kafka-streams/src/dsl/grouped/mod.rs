//! Grouped streams and tables, and their aggregations.

mod stream;
mod table;

pub use stream::KGroupedStream;
pub use table::KGroupedTable;
