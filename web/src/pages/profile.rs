//! The contractor's profile: service area, specialties, capacity, pausing offers, certifications
//! (with warnings before they expire), and how NRP scores the contractor.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::gql::{self, my_profile, update_profile};
use crate::route::Route;
use crate::session;
use crate::ui::{ErrorBox, Load, constant, day, fixed, label, shown, when};

const DAMAGE: [(&str, update_profile::DamageType); 4] = [
    ("WATER", update_profile::DamageType::WATER),
    ("FIRE", update_profile::DamageType::FIRE),
    ("MOULD", update_profile::DamageType::MOULD),
    ("STORM", update_profile::DamageType::STORM),
];

#[component]
pub fn ProfilePage() -> impl IntoView {
    // Staff get offers and work jobs: their own alerts and sign-in, not the company's settings.
    if session::current().is_some_and(|s| s.staff) {
        return view! {
            <section class="page" aria-labelledby="profile-title">
                <h1 id="profile-title">"Profile"</h1>
                <p class="muted">"Your company's owner looks after the company's details, payouts and staff."</p>
                <super::alerts::AlertSettings />
                <AccountLink />
            </section>
        }
        .into_any();
    }
    let id = session::current().and_then(|s| s.contractor_id).unwrap_or_default();
    let state = RwSignal::new(Load::<my_profile::MyProfileContractor>::Loading);
    let load = {
        let id = id.clone();
        move || {
            let id = id.clone();
            leptos::task::spawn_local(async move {
                state.set(match api::call::<gql::MyProfile>(my_profile::Variables { id }).await {
                    Ok(d) => Load::Ready(d.contractor),
                    Err(e) => Load::Failed(e),
                });
            });
        }
    };
    load();
    let reload = Callback::new(move |_| load());
    view! {
        <section class="page" aria-labelledby="profile-title">
            <h1 id="profile-title">"Profile"</h1>
            {shown(state, "your profile", reload, move |c| view! {
                    <div class="grid2">
                        <ServiceForm c=c.clone() />
                        <div>
                            <Availability c=c.clone() reload />
                            <ScoreCard c=c.clone() />
                        </div>
                    </div>
                    <Certifications c=c.clone() reload />
                    <super::alerts::AlertSettings />
                    <AccountLink />
                }.into_any())}
        </section>
    }
    .into_any()
}

/// "How NRP scores you": the score routing uses, each term with the contractor's own record and
/// its published weight, any admin adjustment with its reason, and the trend.
#[component]
fn ScoreCard(c: my_profile::MyProfileContractor) -> impl IntoView {
    let s = c.scoring.clone();
    let terms = s.as_ref().map(|s| s.terms.clone()).unwrap_or_default();
    let trend: Vec<f64> = s.as_ref().map(|s| s.trend.iter().map(|p| p.score).collect()).unwrap_or_default();
    let change = match (trend.first(), trend.last()) {
        (Some(a), Some(b)) if trend.len() > 1 => {
            Some(format!("{}{} over {} days with a score", if b >= a { "+" } else { "" }, fixed(b - a, 2), trend.len()))
        }
        _ => None,
    };
    // The trend as a line, 0 at the bottom and 1 at the top.
    let points = (trend.len() > 1).then(|| {
        let step = 200.0 / (trend.len() - 1) as f64;
        trend
            .iter()
            .enumerate()
            // `fixed`, not `{:.1}`: the float formatter would add kilobytes to the phone's bundle.
            .map(|(i, v)| format!("{},{}", fixed(i as f64 * step, 1), fixed(40.0 - v.clamp(0.0, 1.0) * 40.0, 1)))
            .collect::<Vec<_>>()
            .join(" ")
    });
    let adjustment = s.as_ref().filter(|s| s.adjustment != 0.0).map(|s| {
        format!(
            "{}{} by NRP: {}",
            if s.adjustment > 0.0 { "+" } else { "" },
            fixed(s.adjustment, 2),
            s.adjustment_reason.clone().unwrap_or_default()
        )
    });
    let how = s.as_ref().map(|s| {
        format!(
            "Each term is your record over the last {} days, blended with a neutral 0.5 worth {} observations, so a few jobs move it a little and many move it a lot. Response times count {}.",
            s.window_days,
            fixed(s.prior_weight, 0),
            s.business_hours
        )
    });
    view! {
        <section class="card" aria-labelledby="score-h">
            <h2 id="score-h">"How NRP scores you"</h2>
            <dl class="facts">
                <dt>"Performance score"</dt><dd>{fixed(c.performance_score, 2)}{change.map(|t| format!(" ({t})"))}</dd>
                <dt>"Acceptance rate"</dt><dd>{c.acceptance_rate.map(|r| format!("{}%", fixed(r * 100.0, 0))).unwrap_or_else(|| "no offers yet".into())}</dd>
                <dt>"Response (business hours)"</dt><dd>{c.avg_response_seconds.map(|s| format!("{} min", s / 60)).unwrap_or_else(|| "no answers yet".into())}</dd>
                <dt>"Customer rating"</dt><dd>{c.avg_rating.map(|r| format!("{} / 5", fixed(r, 1))).unwrap_or_else(|| "no ratings yet".into())}</dd>
                <dt>"Active jobs"</dt><dd>{format!("{} of {}", c.active_jobs, c.max_active_jobs)}</dd>
            </dl>
            {points.map(|p| view! {
                <svg class="spark" viewBox="0 0 200 40" role="img" aria-label="Your score over the window">
                    <polyline points=p fill="none" stroke="currentColor" stroke-width="2" />
                </svg>
            })}
            {adjustment.map(|a| view! { <p class="warn">{a}</p> })}
            <table class="terms">
                <thead><tr><th scope="col">"Term"</th><th scope="col">"Weight"</th><th scope="col">"Yours"</th><th scope="col">"Counted"</th></tr></thead>
                <tbody>
                    {terms.into_iter().map(|t| view! {
                        <tr>
                            <th scope="row">{t.label.clone()}<br /><small class="muted">{t.explanation.clone()}</small></th>
                            <td>{format!("{}%", fixed(t.weight * 100.0, 0))}</td>
                            <td>{fixed(t.value, 2)}</td>
                            <td>{t.observations}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            {how.map(|h| view! { <p class="muted">{h}</p> })}
            <p class="muted">"Routing ranks you by 40% this score, 30% response, 20% free capacity and 10% rating. Each offer shows the terms that ranked you for it."</p>
        </section>
    }
}

#[component]
fn ServiceForm(c: my_profile::MyProfileContractor) -> impl IntoView {
    let phone = RwSignal::new(crate::ui::phone(&c.phone));
    let postcode = RwSignal::new(c.base_postcode.clone());
    let radius = RwSignal::new(c.service_radius_km.to_string());
    let extra = RwSignal::new(c.service_postcodes.join(", "));
    let capacity = RwSignal::new(c.max_active_jobs.to_string());
    let have: Vec<String> = c.specialties.iter().map(constant).collect();
    let chosen = RwSignal::new(DAMAGE.iter().map(|(k, _)| have.iter().any(|h| h == k)).collect::<Vec<_>>());
    let error = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(false);
    let id = c.id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = update_profile::UpdateContractorInput {
            phone: Some(phone.get_untracked()),
            base_postcode: Some(postcode.get_untracked().trim().to_string()),
            service_radius_km: radius.get_untracked().trim().parse().ok(),
            service_postcodes: Some(
                extra
                    .get_untracked()
                    .split([',', ' '])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
            ),
            specialties: Some(
                DAMAGE.iter().zip(chosen.get_untracked()).filter(|(_, on)| *on).map(|((_, d), _)| d.clone()).collect(),
            ),
            max_active_jobs: capacity.get_untracked().trim().parse().ok(),
            company_name: None,
            abn: None,
            contact_name: None,
            daily_lead_cap: None,
            commission_bps: None,
        };
        let id = id.clone();
        saved.set(false);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::call::<gql::UpdateProfile>(update_profile::Variables { id, input }).await {
                // The form already shows what was saved; reloading would only redraw it.
                Ok(_) => saved.set(true),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let fe = move |f: &'static str| error.with(|e| e.as_ref().and_then(|e| e.for_field(f)));
    view! {
        <form class="card" on:submit=submit novalidate aria-labelledby="service-h">
            <h2 id="service-h">"Where and what you work"</h2>
            <p class="muted">{format!("{} · ABN {} · {}", c.company_name, c.abn, c.email)}</p>
            <label for="p-phone">"Mobile"</label>
            <input id="p-phone" type="tel" aria-describedby="p-phone-e" prop:value=phone on:input=move |ev| phone.set(event_target_value(&ev)) />
            <p class="field-error" id="p-phone-e">{move || fe("phone")}</p>
            <label for="p-postcode">"Base postcode"</label>
            <input id="p-postcode" inputmode="numeric" aria-describedby="p-postcode-e" prop:value=postcode on:input=move |ev| postcode.set(event_target_value(&ev)) />
            <p class="field-error" id="p-postcode-e">{move || fe("basePostcode")}</p>
            <label for="p-radius">"Service radius (km)"</label>
            <input id="p-radius" type="number" min="1" max="500" aria-describedby="p-radius-e" prop:value=radius on:input=move |ev| radius.set(event_target_value(&ev)) />
            <p class="field-error" id="p-radius-e">{move || fe("serviceRadiusKm")}</p>
            <label for="p-extra">"Also serve these postcodes"</label>
            <input id="p-extra" placeholder="2150, 2170" aria-describedby="p-extra-e" prop:value=extra on:input=move |ev| extra.set(event_target_value(&ev)) />
            <p class="field-error" id="p-extra-e">{move || fe("servicePostcodes")}</p>
            <fieldset aria-describedby="p-spec-e">
                <legend>"Damage you repair"</legend>
                {DAMAGE.iter().enumerate().map(|(i, (k, _))| view! {
                    <label class="check"><input type="checkbox" prop:checked=move || chosen.with(|c| c[i])
                        on:change=move |ev| { let on = event_target_checked(&ev); chosen.update(|c| c[i] = on) } />{label(k)}</label>
                }).collect_view()}
                <p class="field-error" id="p-spec-e">{move || fe("specialties")}</p>
            </fieldset>
            <label for="p-cap">"Jobs you can run at once"</label>
            <input id="p-cap" type="number" min="1" aria-describedby="p-cap-e" prop:value=capacity on:input=move |ev| capacity.set(event_target_value(&ev)) />
            <p class="field-error" id="p-cap-e">{move || fe("maxActiveJobs")}</p>
            <button type="submit">"Save"</button>
            <p role="status" class="ok">{move || saved.get().then_some("Saved.")}</p>
            {move || error.get().filter(|e| e.fields.is_empty() && e.field.is_none()).map(|e| view! { <ErrorBox error=e /> })}
        </form>
    }
}

#[component]
fn Availability(c: my_profile::MyProfileContractor, reload: Callback<()>) -> impl IntoView {
    let until = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let id = c.id.clone();
    let pause = {
        let id = id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let id = id.clone();
            // The end of the chosen day, local time.
            let date = until.get_untracked();
            let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(&format!("{date}T23:59:59")));
            if d.get_time().is_nan() {
                error.set(Some(ApiError {
                    message: "Choose the date to pause until.".into(),
                    code: "BAD_USER_INPUT".into(),
                    field: None,
                    fields: vec![],
                }));
                return;
            }
            let until: String = d.to_iso_string().into();
            leptos::task::spawn_local(async move {
                match api::call::<gql::PauseMe>(gql::pause_me::Variables { id, until }).await {
                    Ok(_) => reload.run(()),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let resume = move |_| {
        let id = id.clone();
        leptos::task::spawn_local(async move {
            match api::call::<gql::ResumeMe>(gql::resume_me::Variables { id }).await {
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="avail-h">
            <h2 id="avail-h">"Offers"</h2>
            <p>{format!("Account: {}", label(&constant(&c.status)))}{c.status_reason.clone().map(|r| format!(" ({r})"))}</p>
            {if c.is_paused {
                view! {
                    <p><strong>{format!("Paused until {}.", c.paused_until.as_deref().map(when).unwrap_or_default())}</strong> " No offers until then."</p>
                    <button class="small" on:click=resume>"Resume offers now"</button>
                }.into_any()
            } else {
                view! {
                    <form class="inline" on:submit=pause>
                        <label for="pause-until">"Pause offers until (e.g. on leave)"</label>
                        <input id="pause-until" type="date" required prop:value=until on:input=move |ev| until.set(event_target_value(&ev)) />
                        <button type="submit" class="small secondary">"Pause"</button>
                    </form>
                }.into_any()
            }}
            {move || error.get().map(|e| view! { <ErrorBox error=e /> })}
        </section>
    }
}

#[component]
fn Certifications(c: my_profile::MyProfileContractor, reload: Callback<()>) -> impl IntoView {
    let kind = RwSignal::new(String::new());
    let number = RwSignal::new(String::new());
    let issuer = RwSignal::new(String::new());
    let expires = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let id = c.id.clone();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = gql::add_certification::CertificationInput {
            kind: kind.get_untracked(),
            number: number.get_untracked(),
            issuer: issuer.get_untracked(),
            expires_on: Some(expires.get_untracked()).filter(|d| !d.is_empty()),
        };
        let id = id.clone();
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::call::<gql::AddCertification>(gql::add_certification::Variables { id, input }).await {
                Ok(_) => reload.run(()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let soon = js_sys::Date::now() + 30.0 * 86_400_000.0;
    view! {
        <section class="card" aria-labelledby="certs-h">
            <h2 id="certs-h">"Certifications"</h2>
            {c.certifications.is_empty().then(|| view! { <p class="muted">"None recorded. Insurers ask for IICRC and trade licences."</p> })}
            <ul class="certs">
                {c.certifications.into_iter().map(|cert| {
                    let expiring = cert.expires_on.as_deref().map(|d| js_sys::Date::parse(d) < soon).unwrap_or(false);
                    let warn = if cert.expired { Some("Expired — renew it to keep getting offers that need it") }
                        else if expiring { Some("Expires within 30 days") } else { None };
                    let cid = cert.id.clone();
                    view! {
                        <li class:warn=warn.is_some()>
                            <strong>{cert.kind.clone()}</strong> {format!(" {} · {}", cert.number, cert.issuer)}
                            {cert.expires_on.clone().map(|d| view! { <span class="muted">{format!(" · expires {}", day(&d))}</span> })}
                            {warn.map(|w| view! { <span class="alert-tag" role="note">{w}</span> })}
                            <button class="small secondary" aria-label=format!("Remove {}", cert.kind) on:click=move |_| {
                                let cid = cid.clone();
                                leptos::task::spawn_local(async move {
                                    match api::call::<gql::RemoveCertification>(gql::remove_certification::Variables { id: cid }).await {
                                        Ok(_) => reload.run(()),
                                        Err(e) => error.set(Some(e)),
                                    }
                                });
                            }>"Remove"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <form class="filters" on:submit=add aria-label="Add a certification">
                <label for="c-kind">"Kind"</label>
                <input id="c-kind" required placeholder="IICRC WRT" prop:value=kind on:input=move |ev| kind.set(event_target_value(&ev)) />
                <label for="c-number">"Number"</label>
                <input id="c-number" required prop:value=number on:input=move |ev| number.set(event_target_value(&ev)) />
                <label for="c-issuer">"Issuer"</label>
                <input id="c-issuer" required prop:value=issuer on:input=move |ev| issuer.set(event_target_value(&ev)) />
                <label for="c-exp">"Expires on"</label>
                <input id="c-exp" type="date" prop:value=expires on:input=move |ev| expires.set(event_target_value(&ev)) />
                <button type="submit" class="small">"Add"</button>
            </form>
            {move || error.get().map(|e| view! { <ErrorBox error=e /> })}
        </section>
    }
}

/// Where the login's own settings live (their own bundle, not in the phone's first load).
#[component]
fn AccountLink() -> impl IntoView {
    let owner = session::current().is_some_and(|s| !s.staff);
    view! {
        <section class="card" aria-labelledby="account-h">
            <h2 id="account-h">"Sign-in and security"</h2>
            <p>{if owner {
                "Your password, second factor and signed-in devices, and your team: who else in your company gets offers."
            } else {
                "Your password, second factor and signed-in devices."
            }}</p>
            <a href=Route::Account.href() id="account-link">"Open your account settings"</a>
        </section>
    }
}
