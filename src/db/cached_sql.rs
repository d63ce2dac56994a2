//! `sql()` for SQL text the program fixes, whose statements stay prepared.
//!
//! diesel marks every query holding its `sql()` literal as unsafe to cache, since the text
//! could be built from input. Such a query is parsed and planned on every call, a fifth of what
//! PostgreSQL spends on a full-text page at scale. Here the text is always fixed by the
//! program and every value goes in as a bind parameter, and diesel-async caches statements
//! without a static id by their SQL text: caching them is safe. Never put input in the text.

use diesel::QueryResult;
use diesel::expression::{
    AppearsOnTable, AsExpression, Expression, SelectableExpression, TypedExpressionType,
    ValidGrouping, is_aggregate,
};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::SqlType;
use std::marker::PhantomData;

/// A literal SQL expression of type `ST`, continued with `.bind()` and `.sql()`.
pub fn sql<ST: TypedExpressionType>(text: &str) -> Sql<ST, Start> {
    Sql {
        before: Start,
        text: text.to_owned(),
        _type: PhantomData,
    }
}

/// Nothing before the first piece of text.
#[derive(Debug, Clone, Copy)]
pub struct Start;

/// `before`, then SQL text.
#[derive(Debug, Clone)]
pub struct Sql<ST, Before> {
    before: Before,
    text: String,
    _type: PhantomData<ST>,
}

/// `before`, then one bind parameter.
#[derive(Debug, Clone)]
pub struct Bind<Before, Value> {
    before: Before,
    value: Value,
}

/// `.bind()`: a value after the text so far, sent as a parameter.
pub trait BindDsl: Expression + Sized {
    fn bind<BindST, U>(self, value: U) -> Bind<Self, U::Expression>
    where
        BindST: SqlType + TypedExpressionType,
        U: AsExpression<BindST>,
    {
        Bind {
            before: self,
            value: value.as_expression(),
        }
    }
}

impl<ST: TypedExpressionType, Before> BindDsl for Sql<ST, Before> {}

impl<Before: Expression, Value> BindDsl for Bind<Before, Value> {}

impl<Before: Expression, Value> Bind<Before, Value> {
    pub fn sql(self, text: &str) -> Sql<Before::SqlType, Self> {
        Sql {
            before: self,
            text: text.to_owned(),
            _type: PhantomData,
        }
    }
}

impl QueryFragment<Pg> for Start {
    fn walk_ast<'b>(&'b self, _pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        Ok(())
    }
}

impl<ST, Before: QueryFragment<Pg>> QueryFragment<Pg> for Sql<ST, Before> {
    fn walk_ast<'b>(&'b self, mut pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.before.walk_ast(pass.reborrow())?;
        pass.push_sql(&self.text);
        Ok(())
    }
}

impl<Before: QueryFragment<Pg>, Value: QueryFragment<Pg>> QueryFragment<Pg>
    for Bind<Before, Value>
{
    fn walk_ast<'b>(&'b self, mut pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.before.walk_ast(pass.reborrow())?;
        self.value.walk_ast(pass.reborrow())
    }
}

impl<ST: TypedExpressionType, Before> Expression for Sql<ST, Before> {
    type SqlType = ST;
}

impl<Before: Expression, Value> Expression for Bind<Before, Value> {
    type SqlType = Before::SqlType;
}

/// No static id: the statement cache keys these by their SQL text.
impl<ST, Before> QueryId for Sql<ST, Before> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Before, Value> QueryId for Bind<Before, Value> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST, Before, GB> ValidGrouping<GB> for Sql<ST, Before> {
    type IsAggregate = is_aggregate::Never;
}

impl<Before, Value, GB> ValidGrouping<GB> for Bind<Before, Value> {
    type IsAggregate = is_aggregate::Never;
}

impl<QS, ST: TypedExpressionType, Before> AppearsOnTable<QS> for Sql<ST, Before> {}

impl<QS, ST: TypedExpressionType, Before> SelectableExpression<QS> for Sql<ST, Before> {}

impl<QS, Before: Expression, Value> AppearsOnTable<QS> for Bind<Before, Value> {}

impl<QS, Before: Expression, Value> SelectableExpression<QS> for Bind<Before, Value> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::schema::agencies;
    use diesel::prelude::*;
    use diesel::sql_types::{Bool, Text};

    fn cacheable(query: &impl QueryFragment<Pg>) -> bool {
        query.is_safe_to_cache_prepared(&Pg).expect("walk")
    }

    #[test]
    fn fixed_text_with_binds_may_be_cached_where_diesels_literal_may_not() {
        let ours = agencies::table
            .select(agencies::code)
            .filter(
                sql::<Bool>("agencies.country = ")
                    .bind::<Text, _>("KR")
                    .sql(""),
            )
            .into_boxed();
        let diesels = agencies::table
            .select(agencies::code)
            .filter(diesel::dsl::sql::<Bool>("agencies.country = ").bind::<Text, _>("KR"))
            .into_boxed();
        assert_eq!(
            diesel::debug_query::<Pg, _>(&ours).to_string(),
            diesel::debug_query::<Pg, _>(&diesels).to_string()
        );
        assert!(cacheable(&ours));
        assert!(!cacheable(&diesels));
    }
}
