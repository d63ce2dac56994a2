//! What every page query reads from, its type-erased parts, and the full-text search.

use crate::db::dynamic;
use crate::db::schema::{agencies, categories, recommendations};
use diesel::helper_types::{InnerJoinQuerySource, LeftJoinQuerySource};

/// Recommendations, their category and their lead agency: what every page query reads.
pub type Source = LeftJoinQuerySource<
    InnerJoinQuerySource<recommendations::table, categories::table>,
    agencies::table,
>;

/// One condition of a page's WHERE clause.
pub type Condition = dynamic::Condition<'static, Source>;
/// A page's ORDER BY.
pub type Ordering = dynamic::Ordering<'static, Source>;

/// The search (`search_query`, migration 000011: English web search syntax, and Korean and
/// Japanese runs as bigram phrases) as a subquery that runs once per statement. In a generic
/// plan, a function of a parameter is not folded into a constant: a bare `search_query($1)`
/// would be parsed again for every row ranked.
pub const TSQUERY_OPEN: &str = "(SELECT search_query(";
pub const TSQUERY_CLOSE: &str = "))";
