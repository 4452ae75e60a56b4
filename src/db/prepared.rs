//! Statements written out by hand so that diesel keeps them prepared.
//!
//! Diesel prepares every `diesel::update` afresh: a changeset may leave fields out, so it never
//! caches one by its type. On PostgreSQL that is a parse and plan, and a round trip more, on
//! every call. A struct whose SQL text never changes with its values, declared with
//! [`prepared_statement!`](crate::prepared_statement), is cached by its type alone and runs as
//! one `Bind`/`Execute` of the statement prepared the first time. Worth it on the writes every
//! payment makes; elsewhere the query builder reads better.

/// Declares `$ty` (a struct with one lifetime, written out by its own
/// `fn walk(&self, out: &mut AstPass<'_, '_, DB>) -> QueryResult<()>`) a statement of fixed SQL
/// text on both backends: diesel may cache it by its type, and [`RunQueryDsl`] runs it.
///
/// [`RunQueryDsl`]: diesel::RunQueryDsl
#[macro_export]
macro_rules! prepared_statement {
    ($ty:ident) => {
        impl diesel::query_builder::QueryId for $ty<'_> {
            type QueryId = $ty<'static>;
            // One SQL text whatever the values: diesel may cache it by this type alone.
            const HAS_STATIC_QUERY_ID: bool = true;
        }

        impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for $ty<'_> {
            fn walk_ast<'b>(
                &'b self,
                mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
            ) -> diesel::QueryResult<()> {
                self.walk(&mut out)
            }
        }

        impl diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite> for $ty<'_> {
            fn walk_ast<'b>(
                &'b self,
                mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
            ) -> diesel::QueryResult<()> {
                self.walk(&mut out)
            }
        }

        impl<C> diesel::RunQueryDsl<C> for $ty<'_> {}
    };
}
