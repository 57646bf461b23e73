//! The contractor app (`/`): offers, jobs, payouts and profile, plus sign-in and sign-up.

fn main() {
    console_error_panic_hook::set_once();
    nrp_web::push::register_worker();
    leptos::mount::mount_to_body(nrp_web::app::contractor_app);
}
