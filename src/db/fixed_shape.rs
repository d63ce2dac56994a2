//! `FixedShape`: lets an UPDATE stay a prepared statement.
//!
//! diesel marks every UPDATE unsafe to cache, because changesets with optional fields give
//! one UPDATE many SQL texts. diesel-async keys its cache by the SQL text, so an UPDATE whose
//! text never varies is safe to keep prepared; without this, each one is parsed and planned
//! again on every call (an extra round trip, and the planning, per write).

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};

/// Wrap only statements whose SQL text is the same on every call.
#[derive(Debug, Clone, Copy)]
pub struct FixedShape<Q>(pub Q);

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for FixedShape<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q> QueryId for FixedShape<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for FixedShape<Q> {
    type SqlType = Q::SqlType;
}
