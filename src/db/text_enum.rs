//! [`text_enum!`](crate::text_enum): an enum stored as one of a fixed set of words in a `TEXT`
//! column.
//!
//! The words are what the migrations' `CHECK` constraints allow and what the tests read back as
//! strings, so the schema keeps `Text`; the Rust side only ever sees the enum. There is no
//! `PartialEq<str>`: a state is compared with a state, never with a word.

/// A stored word that names no variant of the enum it was read as: a row written by a newer
/// version, or by hand. Reading it fails the query rather than guessing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{word}` is not a known {kind}")]
pub struct UnknownWord {
    /// The enum that was asked for.
    pub kind: &'static str,
    /// The word found.
    pub word: String,
}

/// Declares an enum whose variants are stored as the given words, with `as_str`, `ALL`,
/// `WORDS`, `FromStr`, `Display` and `serde::Serialize` (all as the word), and diesel's
/// `ToSql`/`FromSql` for `Text` on every backend (SQLite, PostgreSQL and the multi-backend
/// connection over both, which reaches each through `str` and `String`).
///
/// ```ignore
/// text_enum! {
///     /// Where a job stands.
///     pub enum JobStatus {
///         /// Waiting.
///         Pending => "pending",
///         /// Finished.
///         Done => "done",
///     }
/// }
/// ```
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $word:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            ::diesel::expression::AsExpression, ::diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = ::diesel::sql_types::Text)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every variant, in the order declared.
            #[allow(dead_code, reason = "not every enum's variants are listed")]
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored words of [`Self::ALL`], in the same order.
            #[allow(dead_code, reason = "not every enum's words are listed")]
            pub const WORDS: &'static [&'static str] = &[$($word),+];

            /// The stored word.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $word ),+
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::db::text_enum::UnknownWord;

            fn from_str(word: &str) -> ::std::result::Result<Self, Self::Err> {
                match word {
                    $( $word => Ok($name::$variant), )+
                    _ => Err($crate::db::text_enum::UnknownWord {
                        kind: stringify!($name),
                        word: word.to_owned(),
                    }),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<DB> ::diesel::serialize::ToSql<::diesel::sql_types::Text, DB> for $name
        where
            DB: ::diesel::backend::Backend,
            str: ::diesel::serialize::ToSql<::diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut ::diesel::serialize::Output<'b, '_, DB>,
            ) -> ::diesel::serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB> ::diesel::deserialize::FromSql<::diesel::sql_types::Text, DB> for $name
        where
            DB: ::diesel::backend::Backend,
            String: ::diesel::deserialize::FromSql<::diesel::sql_types::Text, DB>,
        {
            fn from_sql(
                bytes: <DB as ::diesel::backend::Backend>::RawValue<'_>,
            ) -> ::diesel::deserialize::Result<Self> {
                let word = <String as ::diesel::deserialize::FromSql<
                    ::diesel::sql_types::Text,
                    DB,
                >>::from_sql(bytes)?;
                Ok(word.parse::<$name>()?)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use diesel::{prelude::*, sql_types::Text};

    crate::text_enum! {
        /// A test enum.
        enum Colour {
            /// Red.
            Red => "red",
            /// Light blue.
            LightBlue => "light_blue",
        }
    }

    #[test]
    fn words_round_trip_and_an_unknown_word_is_an_error() {
        for c in Colour::ALL {
            assert_eq!(c.as_str().parse::<Colour>(), Ok(*c));
            assert_eq!(c.to_string(), c.as_str());
        }
        let err = "green".parse::<Colour>().expect_err("unknown");
        assert_eq!(err.to_string(), "`green` is not a known Colour");
    }

    #[test]
    fn stored_and_read_back_through_sqlite() {
        let mut conn = crate::db::DbConnection::Sqlite(
            SqliteConnection::establish(":memory:").expect("sqlite"),
        );
        let back: Colour = diesel::select(Colour::LightBlue.into_sql::<Text>())
            .get_result(&mut conn)
            .expect("read");
        assert_eq!(back, Colour::LightBlue);
        let bad = diesel::select("green".into_sql::<Text>()).get_result::<Colour>(&mut conn);
        // diesel names the field in its message and keeps ours as the cause.
        let err = bad.expect_err("an unknown word");
        let mut chain = vec![err.to_string()];
        let mut cause = std::error::Error::source(&err);
        while let Some(e) = cause {
            chain.push(e.to_string());
            cause = e.source();
        }
        assert!(
            chain.iter().any(|m| m == "`green` is not a known Colour"),
            "{chain:?}"
        );
    }
}
