//! The account app (`/account`): sign-in and security (password, second factor, sessions), a
//! company owner's team, and the pages emailed links open (reset, confirm, invitation).

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(nrp_web::app::account_app);
}
