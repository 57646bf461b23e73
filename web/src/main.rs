//! The contractor app (`/`): offers, jobs, payouts and profile, plus sign-in and sign-up.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(nrp_web::app::contractor_app);
}
