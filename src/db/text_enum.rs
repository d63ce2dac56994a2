//! `text_enum!`: a closed set stored as TEXT (+ CHECK in SQL), a Rust enum everywhere else.

/// Declares an enum whose variants map 1:1 to fixed strings in the database and in JSON.
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        // Container-level rename: utoipa cannot read a per-variant rename whose value comes
        // from a macro fragment. Every key is its variant's snake_case name (tested).
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        $crate::text_enum_impls!($name { $($variant => $text),+ });
    };
}

/// The conversions of a closed set to and from its fixed strings: `as_str`, `ALL`, `Display`,
/// `FromStr` and diesel's TEXT mapping. `text_enum!` declares the enum too; use this alone for
/// an enum whose JSON keys need per-variant `#[serde(rename)]`s (keys that are not snake_case).
#[macro_export]
macro_rules! text_enum_impls {
    ($name:ident { $( $variant:ident => $text:literal ),+ $(,)? }) => {
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable key used in JSON, SQL and query strings.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "must be one of: {}",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                // Borrowed, not a String: these are decoded for every row of every page.
                let text = std::str::from_utf8(value.as_bytes())?;
                text.parse().map_err(|e: String| {
                    format!("{} {text:?}: {e}", stringify!($name)).into()
                })
            }
        }
    };
}
