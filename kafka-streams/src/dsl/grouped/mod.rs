//! Grouped streams and tables, and their aggregations.

mod session_stream;
mod sliding_stream;
mod stream;
mod table;
mod windowed_stream;

pub use session_stream::SessionWindowedKStream;
pub use sliding_stream::SlidingWindowedKStream;
pub use stream::KGroupedStream;
pub use table::KGroupedTable;
pub use windowed_stream::TimeWindowedKStream;
