//! Contractor sign-up: every rule the server checks comes back at once, each message shown next
//! to its field.

use crate::nav::A;
use crate::route::Route;
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::gql::{self, register::DamageType};

#[derive(Clone, Copy)]
struct Field {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    hint: &'static str,
}

const FIELDS: [Field; 9] = [
    Field { name: "companyName", label: "Company name", kind: "text", autocomplete: "organization", hint: "" },
    Field { name: "abn", label: "ABN", kind: "text", autocomplete: "off", hint: "11 digits, e.g. 51 824 753 556" },
    Field { name: "contactName", label: "Your name", kind: "text", autocomplete: "name", hint: "" },
    Field { name: "email", label: "Email (your login)", kind: "email", autocomplete: "email", hint: "" },
    Field { name: "phone", label: "Mobile", kind: "tel", autocomplete: "tel", hint: "e.g. 0412 345 678" },
    Field {
        name: "password",
        label: "Password",
        kind: "password",
        autocomplete: "new-password",
        hint: "At least 10 characters",
    },
    Field { name: "basePostcode", label: "Base postcode", kind: "text", autocomplete: "postal-code", hint: "4 digits" },
    Field {
        name: "serviceRadiusKm",
        label: "Service radius (km)",
        kind: "number",
        autocomplete: "off",
        hint: "1 to 500",
    },
    Field {
        name: "maxActiveJobs",
        label: "Jobs you can run at once",
        kind: "number",
        autocomplete: "off",
        hint: "1 to 1000",
    },
];

const SPECIALTIES: [(&str, DamageType); 4] = [
    ("Water", DamageType::WATER),
    ("Fire", DamageType::FIRE),
    ("Mould", DamageType::MOULD),
    ("Storm", DamageType::STORM),
];

#[component]
pub fn SignupPage() -> impl IntoView {
    let values: Vec<RwSignal<String>> = FIELDS
        .iter()
        .map(|f| {
            RwSignal::new(match f.name {
                "serviceRadiusKm" => "50".to_string(),
                "maxActiveJobs" => "5".to_string(),
                _ => String::new(),
            })
        })
        .collect();
    let chosen = RwSignal::new(vec![false; SPECIALTIES.len()]);
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let done = RwSignal::new(None::<String>);
    let vals = values.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let v: Vec<String> = vals.iter().map(|s| s.get_untracked()).collect();
        let number = |s: &str| s.trim().parse::<i64>().ok();
        let input = gql::register::RegisterContractorInput {
            company_name: v[0].clone(),
            abn: v[1].clone(),
            contact_name: v[2].clone(),
            email: v[3].trim().to_string(),
            phone: v[4].clone(),
            password: v[5].clone(),
            base_postcode: v[6].trim().to_string(),
            service_radius_km: number(&v[7]),
            max_active_jobs: number(&v[8]),
            service_postcodes: None,
            specialties: SPECIALTIES
                .iter()
                .zip(chosen.get_untracked())
                .filter(|(_, on)| *on)
                .map(|((_, d), _)| d.clone())
                .collect(),
        };
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::call::<gql::Register>(gql::register::Variables { input }).await {
                Ok(d) => done.set(Some(d.register_contractor.message)),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let field_error = move |name: &'static str| error.with(|e| e.as_ref().and_then(|e| e.for_field(name)));
    view! {
        <Show when=move || done.with(Option::is_none) fallback=move || view! {
            <section class="card narrow" role="status" id="signup-done">
                <h1>"Check your email"</h1>
                <p>{done.get()}</p>
                <p>"NRP checks every new contractor before offers start. You can sign in now to finish your profile."</p>
                <A to=Route::Login>"Sign in"</A>
            </section>
        }>
            <form class="card narrow" on:submit=submit.clone() novalidate aria-labelledby="signup-title">
                <h1 id="signup-title">"Join the NRP network"</h1>
                {FIELDS.iter().zip(values.clone()).map(|(f, value)| {
                    let err_id = format!("{}-error", f.name);
                    let hint_id = format!("{}-hint", f.name);
                    let described = if f.hint.is_empty() { err_id.clone() } else { format!("{hint_id} {err_id}") };
                    view! {
                        <div class="field" class:invalid=move || field_error(f.name).is_some()>
                            <label for=f.name>{f.label}</label>
                            <input id=f.name name=f.name type=f.kind autocomplete=f.autocomplete
                                aria-describedby=described
                                aria-invalid=move || if field_error(f.name).is_some() { "true" } else { "false" }
                                prop:value=value on:input=move |ev| value.set(event_target_value(&ev)) />
                            {(!f.hint.is_empty()).then(|| view! { <p class="hint" id=hint_id.clone()>{f.hint}</p> })}
                            <p class="field-error" id=err_id aria-live="polite">{move || field_error(f.name)}</p>
                        </div>
                    }
                }).collect_view()}
                <fieldset class="field" aria-describedby="specialties-error">
                    <legend>"Damage you repair"</legend>
                    {SPECIALTIES.iter().enumerate().map(|(i, (name, _))| view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=move || chosen.with(|c| c[i])
                                on:change=move |ev| { let on = event_target_checked(&ev); chosen.update(|c| c[i] = on) } />
                            {*name}
                        </label>
                    }).collect_view()}
                    <p class="field-error" id="specialties-error" aria-live="polite">{move || field_error("specialties")}</p>
                </fieldset>
                <button type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Sending…" } else { "Register" }}
                </button>
                <p class="error" role="alert">{move || error.with(|e| e.as_ref().filter(|e| e.fields.is_empty() && e.field.is_none()).map(|e| e.message.clone()))}</p>
                <p>"Already registered? " <A to=Route::Login>"Sign in"</A></p>
            </form>
        </Show>
    }
}
