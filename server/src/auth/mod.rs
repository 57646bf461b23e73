//! Who is calling: JWT access tokens for users, hashed API keys for partners, and the login
//! rate limiter. Resolvers ask the [`Principal`]; services receive it inside [`RequestMeta`].

mod jwt;
pub mod links;
mod password;
mod principal;
mod rate_limit;
mod sealed;
mod secret_token;

pub use jwt::{AccessClaims, JwtKeys, Subject};
pub use password::{Passwords, hash_password, verify_password};
pub use principal::{Principal, RequestMeta};
pub use rate_limit::{Hit, RateLimitDecision, RateLimiter, client_key};
pub use sealed::SecretBox;
pub use secret_token::{API_KEY_PREFIX, constant_time_eq, new_api_key, new_refresh_token, sha256_hex};
