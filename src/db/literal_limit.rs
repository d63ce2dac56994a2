//! `LiteralLimit`: a page query whose LIMIT is part of the SQL text, not a parameter.
//!
//! With `LIMIT $1`, PostgreSQL's generic plan assumes a tenth of the table is wanted, so it
//! looks far dearer than the custom plans and the statement is re-planned on every call, which
//! costs more than the page itself at 10,000 rows. With the number in the text,
//! the generic plan is the custom one and PostgreSQL keeps it. diesel-async caches prepared
//! statements by SQL text, so each page size gets its own statement; page sizes are few.

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};

/// `query LIMIT limit`, the limit written into the SQL. `query` must not have a LIMIT or
/// anything that would follow one (OFFSET, FOR UPDATE).
#[derive(Debug, Clone, Copy)]
pub struct LiteralLimit<Q> {
    pub query: Q,
    pub limit: u32,
}

pub trait LiteralLimitDsl: Sized {
    fn literal_limit(self, limit: i64) -> LiteralLimit<Self> {
        LiteralLimit {
            query: self,
            // Page sizes are validated long before this; the clamp keeps the SQL well formed.
            limit: limit.clamp(0, i64::from(u32::MAX)) as u32,
        }
    }
}

impl<Q: Query> LiteralLimitDsl for Q {}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for LiteralLimit<Q> {
    fn walk_ast<'b>(&'b self, mut pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.query.walk_ast(pass.reborrow())?;
        pass.push_sql(" LIMIT ");
        pass.push_sql(&self.limit.to_string());
        Ok(())
    }

    fn is_safe_to_cache_prepared(&self, backend: &Pg) -> QueryResult<bool> {
        self.query.is_safe_to_cache_prepared(backend)
    }
}

/// Keyed by SQL text (no static id), so the limit is part of the statement cache key.
impl<Q> QueryId for LiteralLimit<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for LiteralLimit<Q> {
    type SqlType = Q::SqlType;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::schema::agencies;
    use diesel::prelude::*;

    #[test]
    fn the_limit_is_written_into_the_sql_not_bound() {
        let query = agencies::table
            .select(agencies::code)
            .filter(agencies::country.eq("KR"))
            .order(agencies::code)
            .into_boxed()
            .literal_limit(51);
        let sql = diesel::debug_query::<Pg, _>(&query).to_string();
        assert!(
            sql.contains(r#"ORDER BY "agencies"."code" LIMIT 51 -- binds: ["KR"]"#),
            "{sql}"
        );
    }
}
