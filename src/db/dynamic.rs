//! WHERE conditions and ORDER BY clauses chosen at run time, for boxed queries over one query
//! source. Each is checked against that source when it is built, then type-erased, so one
//! function can narrow several selections from the same tables.

use diesel::QueryResult;
use diesel::expression::expression_types::NotSelectable;
use diesel::expression::{
    AppearsOnTable, Expression, MixedAggregates, ValidGrouping, is_aggregate,
};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Bool, BoolOrNullableBool};
use std::marker::PhantomData;

/// One condition of a WHERE clause over `QS`; `.filter()` ANDs it to the others.
pub struct Condition<'a, QS> {
    sql: Box<dyn QueryFragment<Pg> + Send + 'a>,
    _source: PhantomData<fn() -> QS>,
}

impl<'a, QS> Condition<'a, QS> {
    pub fn new<E>(condition: E) -> Self
    where
        E: AppearsOnTable<QS> + ValidGrouping<()> + QueryFragment<Pg> + Send + 'a,
        E::IsAggregate: MixedAggregates<is_aggregate::No, Output = is_aggregate::No>,
        E::SqlType: BoolOrNullableBool,
    {
        Self {
            sql: Box::new(condition),
            _source: PhantomData,
        }
    }
}

/// An ORDER BY clause over `QS`.
pub struct Ordering<'a, QS> {
    sql: Box<dyn QueryFragment<Pg> + Send + 'a>,
    _source: PhantomData<fn() -> QS>,
}

impl<'a, QS> Ordering<'a, QS> {
    pub fn new<O>(order: O) -> Self
    where
        O: AppearsOnTable<QS> + QueryFragment<Pg> + Send + 'a,
    {
        Self {
            sql: Box::new(order),
            _source: PhantomData,
        }
    }
}

macro_rules! erased_expression {
    ($name:ident, $sql_type:ty) => {
        impl<QS> Expression for $name<'_, QS> {
            type SqlType = $sql_type;
        }

        impl<QS> AppearsOnTable<QS> for $name<'_, QS> {}

        impl<QS> ValidGrouping<()> for $name<'_, QS> {
            type IsAggregate = is_aggregate::No;
        }

        impl<QS> QueryFragment<Pg> for $name<'_, QS> {
            fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
                self.sql.walk_ast(pass)
            }
        }

        /// No static id: the statement cache keys these by their SQL text.
        impl<QS> QueryId for $name<'_, QS> {
            type QueryId = ();
            const HAS_STATIC_QUERY_ID: bool = false;
        }
    };
}

erased_expression!(Condition, Bool);
erased_expression!(Ordering, NotSelectable);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::schema::agencies;
    use diesel::prelude::*;

    #[test]
    fn erased_parts_render_and_cache_like_the_originals() {
        let condition = Condition::<agencies::table>::new(agencies::country.eq("KR"));
        let order = Ordering::<agencies::table>::new((agencies::code.asc(), agencies::id.desc()));
        let erased = agencies::table
            .select(agencies::code)
            .filter(condition)
            .order(order)
            .into_boxed();
        let direct = agencies::table
            .select(agencies::code)
            .filter(agencies::country.eq("KR"))
            .order((agencies::code.asc(), agencies::id.desc()))
            .into_boxed();
        assert_eq!(
            diesel::debug_query::<Pg, _>(&erased).to_string(),
            diesel::debug_query::<Pg, _>(&direct).to_string()
        );
        let cacheable = QueryFragment::<Pg>::is_safe_to_cache_prepared(&erased, &Pg);
        assert!(cacheable.expect("walk"));
    }
}
