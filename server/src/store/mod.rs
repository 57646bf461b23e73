//! sea-orm queries, one module per aggregate: the only place that knows the schema.
//! Functions take any connection or transaction, so services decide the transaction boundary.

pub mod account_links;
pub mod attachments;
pub mod audit;
pub mod claims;
pub mod contractors;
pub mod dashboard;
pub mod jobs;
pub mod leads;
pub mod network;
pub mod offers;
pub mod partners;
pub mod payouts;
pub mod postcodes;
pub mod returns;
pub mod scores;
pub mod search;
pub mod sessions;
pub mod stripe_events;
pub mod tokens;
pub mod users;

use sea_orm::ColumnTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, SimpleExpr};

/// `s` for a LIKE pattern with `\` as the escape: its own `%`, `_` and `\` taken literally.
pub(crate) fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// `lower(col) LIKE '%needle%'`, with the needle's own `%`, `_` and `\` taken literally.
pub(crate) fn contains_ci(col: impl ColumnTrait, needle: &str) -> SimpleExpr {
    let escaped = like_escape(&needle.to_lowercase());
    Expr::expr(Func::lower(Expr::col(col.as_column_ref()))).like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}
