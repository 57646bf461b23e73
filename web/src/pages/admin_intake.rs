//! `/admin/leads/new`: a lead taken over the phone. Every rule the server applies is shown beside
//! its field; the lead is routed as soon as it is saved, and its page opens.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::gql::{self, create_lead, partners};
use crate::nav::{self, A};
use crate::route::Route;
use crate::ui::{ErrorBox, parse_dollars};

const STATES: [&str; 8] = ["NSW", "VIC", "QLD", "SA", "WA", "TAS", "NT", "ACT"];

#[component]
pub fn IntakePage() -> impl IntoView {
    let insurers = RwSignal::new(Vec::<(String, String)>::new());
    let insurers_error = RwSignal::new(None::<ApiError>);
    leptos::task::spawn_local(async move {
        match api::call::<gql::Partners>(partners::Variables {}).await {
            Ok(d) => insurers.set(
                d.partners
                    .into_iter()
                    .filter(|p| p.active && matches!(p.kind, partners::PartnerKind::INSURER))
                    .map(|p| (p.id, p.name))
                    .collect(),
            ),
            Err(e) => insurers_error.set(Some(ApiError {
                message: format!("The insurers could not be loaded ({e}); reload before saving an insured lead."),
                ..e
            })),
        }
    });
    let text = |v: &str| RwSignal::new(v.to_string());
    let (name, phone, email) = (text(""), text(""), text(""));
    let (address, suburb, state, postcode) = (text(""), text(""), text("NSW"), text(""));
    let (damage, urgency, value) = (text("WATER"), text("MEDIUM"), text(""));
    let (insurer, claim, description) = (text(""), text(""), text(""));
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let v = value.get_untracked();
        let estimated = if v.trim().is_empty() { None } else { parse_dollars(&v).map(Some).unwrap_or(None) };
        if !v.trim().is_empty() && estimated.is_none() {
            return error
                .set(Some(ApiError::on_field("estimatedValueCents", "enter an amount in dollars, e.g. 8,500")));
        }
        let opt = |s: RwSignal<String>| {
            let t = s.get_untracked();
            (!t.trim().is_empty()).then(|| t.trim().to_string())
        };
        let input = create_lead::CreateLeadInput {
            customer: create_lead::CustomerInput {
                name: name.get_untracked(),
                phone: phone.get_untracked(),
                email: opt(email),
            },
            property: create_lead::PropertyInput {
                address: address.get_untracked(),
                suburb: suburb.get_untracked(),
                state: state.get_untracked(),
                postcode: postcode.get_untracked(),
                latitude: None,
                longitude: None,
            },
            damage_type: serde_json::from_value(serde_json::json!(damage.get_untracked()))
                .unwrap_or(create_lead::DamageType::WATER),
            urgency: serde_json::from_value(serde_json::json!(urgency.get_untracked())).ok(),
            estimated_value_cents: estimated,
            claim_number: opt(claim),
            insurer: opt(insurer),
            description: description.get_untracked(),
        };
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::call::<gql::CreateLead>(create_lead::Variables { input }).await {
                Ok(d) => nav::go(&Route::Lead(d.create_lead.id)),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let fields = [
        "name",
        "phone",
        "email",
        "address",
        "suburb",
        "state",
        "postcode",
        "damageType",
        "urgency",
        "estimatedValueCents",
        "insurer",
        "claimNumber",
        "description",
    ];
    let fe = move |f: &'static str| move || error.with(|e| e.as_ref().and_then(|e| e.for_field(f)));
    // Each field says the server's rule for it up front (`hint`), and the server's refusal of it
    // beside it.
    let input = move |id: &'static str,
                      field: &'static str,
                      label: &'static str,
                      v: RwSignal<String>,
                      kind: &'static str,
                      hint: &'static str| {
        let (err_id, hint_id) = (format!("{id}-error"), format!("{id}-hint"));
        view! {
            <div class="field" class:invalid=move || fe(field)().is_some()>
                <label for=id>{label}</label>
                <input id=id type=kind aria-describedby=format!("{hint_id} {err_id}") inputmode=(kind == "tel").then_some("tel")
                    prop:value=v on:input=move |ev| v.set(event_target_value(&ev)) />
                <p class="hint" id=hint_id>{hint}</p>
                <p class="field-error" id=err_id aria-live="polite">{fe(field)}</p>
            </div>
        }
    };
    let select = move |id: &'static str,
                       field: &'static str,
                       label: &'static str,
                       v: RwSignal<String>,
                       options: Vec<(String, String)>| {
        let err_id = format!("{id}-error");
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <select id=id aria-describedby=err_id.clone() on:change=move |ev| v.set(event_target_value(&ev))>
                    {options.into_iter().map(|(value, text)| {
                        let selected = value == v.get_untracked();
                        view! { <option value=value selected=selected>{text}</option> }
                    }).collect_view()}
                </select>
                <p class="field-error" id=err_id aria-live="polite">{fe(field)}</p>
            </div>
        }
    };
    let pairs = |list: &[&str]| list.iter().map(|s| (s.to_string(), crate::ui::label(s))).collect::<Vec<_>>();
    view! {
        <section class="page narrowish" aria-labelledby="intake-title">
            <p><A to=Route::Leads>"← Leads"</A></p>
            <h1 id="intake-title">"New lead by phone"</h1>
            <form class="intake" novalidate on:submit=submit>
                <fieldset><legend>"The customer"</legend>
                    {input("c-name", "name", "Name", name, "text", "Required, up to 200 characters")}
                    {input("c-phone", "phone", "Phone", phone, "tel", "An Australian number: 0412 345 678, (02) 9876 5432 or +61…")}
                    {input("c-email", "email", "Email (optional)", email, "email", "Where the customer's confirmation goes")}
                </fieldset>
                <fieldset><legend>"The property"</legend>
                    {input("p-address", "address", "Street address", address, "text", "Required, up to 300 characters")}
                    {input("p-suburb", "suburb", "Suburb", suburb, "text", "Required, up to 100 characters")}
                    {select("p-state", "state", "State", state, STATES.iter().map(|s| (s.to_string(), s.to_string())).collect())}
                    {input("p-postcode", "postcode", "Postcode", postcode, "text", "4 digits, e.g. 2000 or 0800")}
                </fieldset>
                <fieldset><legend>"The damage"</legend>
                    {select("l-damage", "damageType", "Damage", damage, pairs(&["WATER", "FIRE", "MOULD", "STORM"]))}
                    {select("l-urgency", "urgency", "Urgency", urgency, pairs(&["EMERGENCY", "HIGH", "MEDIUM", "LOW"]))}
                    {input("l-value", "estimatedValueCents", "Estimated value (AUD, optional)", value, "text", "In dollars (8,500 or 8500.50), up to $100,000,000")}
                    <div class="field">
                        <label for="l-description">"What happened"</label>
                        <textarea id="l-description" rows="4" aria-describedby="l-description-hint l-description-error"
                            prop:value=description on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                        <p class="hint" id="l-description-hint">"Required, up to 5,000 characters"</p>
                        <p class="field-error" id="l-description-error" aria-live="polite">{fe("description")}</p>
                    </div>
                </fieldset>
                <fieldset><legend>"Insurance (optional)"</legend>
                    {move || insurers_error.get().map(|e| view! { <ErrorBox error=e /> })}
                    {move || {
                        let mut options = vec![(String::new(), "No insurer".to_string())];
                        options.extend(insurers.get());
                        select("l-insurer", "insurer", "Insurer", insurer, options)
                    }}
                    {input("l-claim", "claimNumber", "Claim number", claim, "text", "Needs an insurer; one lead per claim number, up to 100 characters")}
                </fieldset>
                <button type="submit" disabled=move || busy.get()>{move || if busy.get() { "Saving…" } else { "Save and route" }}</button>
                {move || error.get().filter(|e| fields.iter().all(|f| e.for_field(f).is_none()))
                    .map(|e| view! { <ErrorBox error=e /> })}
            </form>
        </section>
    }
}
