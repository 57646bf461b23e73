pub mod admin;
pub mod jobs;
pub mod login;
pub mod offers;
pub mod signup;
