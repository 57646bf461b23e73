//! The admin app (`/admin`): dashboard, leads, contractors, jobs, claims, payouts, partners, audit.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(nrp_web::app::admin_app);
}
