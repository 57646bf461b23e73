//! The contractor's alert settings (on the profile page): the mobile number SMS alerts go to,
//! proven with a code; the login email, proven the same way; quiet hours on their own clock; and
//! which channels each kind of alert uses.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::gql::{self, update_alert_settings as ua};
use crate::ui::{ErrorBox, label};

/// The settings as the page shows them (every query returns the same fields).
#[derive(Clone, Debug, PartialEq)]
struct Shown {
    phone: Option<String>,
    phone_verified: bool,
    email_verified: bool,
    zone: String,
    quiet: Option<(String, String)>,
    /// (event, channels)
    choices: Vec<(String, Vec<String>)>,
}

fn shown(v: serde_json::Value) -> Shown {
    let s = |k: &str| v[k].as_str().map(String::from);
    Shown {
        phone: s("phone"),
        phone_verified: v["phoneVerified"].as_bool().unwrap_or(false),
        email_verified: v["emailVerified"].as_bool().unwrap_or(false),
        zone: s("timeZone").unwrap_or_default(),
        quiet: v["quietHours"]["start"]
            .as_str()
            .zip(v["quietHours"]["end"].as_str())
            .map(|(a, b)| (a.into(), b.into())),
        choices: v["choices"]
            .as_array()
            .map(|cs| {
                cs.iter()
                    .map(|c| {
                        let channels = c["channels"]
                            .as_array()
                            .map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect());
                        (c["event"].as_str().unwrap_or_default().to_string(), channels.unwrap_or_default())
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

const ZONES: [&str; 8] = [
    "Australia/Sydney",
    "Australia/Melbourne",
    "Australia/Brisbane",
    "Australia/Adelaide",
    "Australia/Darwin",
    "Australia/Perth",
    "Australia/Hobart",
    "Australia/Canberra",
];
const CHANNELS: [&str; 3] = ["PUSH", "SMS", "EMAIL"];

fn event_words(e: &str) -> &'static str {
    match e {
        "OFFER" => "New offers",
        "JOB_OVERDUE" => "Overdue jobs",
        "CERT_EXPIRING" => "Certifications expiring",
        "PAYOUT_SENT" => "Payouts sent",
        _ => "Other",
    }
}

fn event_of(e: &str) -> Option<ua::NotificationEvent> {
    Some(match e {
        "OFFER" => ua::NotificationEvent::OFFER,
        "JOB_OVERDUE" => ua::NotificationEvent::JOB_OVERDUE,
        "CERT_EXPIRING" => ua::NotificationEvent::CERT_EXPIRING,
        "PAYOUT_SENT" => ua::NotificationEvent::PAYOUT_SENT,
        _ => return None,
    })
}

fn channel_of(c: &str) -> ua::NotificationChannel {
    match c {
        "SMS" => ua::NotificationChannel::SMS,
        "EMAIL" => ua::NotificationChannel::EMAIL,
        _ => ua::NotificationChannel::PUSH,
    }
}

#[component]
pub fn AlertSettings() -> impl IntoView {
    let settings = RwSignal::new(None::<Shown>);
    let error = RwSignal::new(None::<ApiError>);
    let note = RwSignal::new(None::<String>);
    let phone = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let waiting = RwSignal::new(None::<&'static str>);
    let start = RwSignal::new(String::new());
    let end = RwSignal::new(String::new());
    let zone = RwSignal::new(String::new());
    let apply = move |v: serde_json::Value| {
        let s = shown(v);
        phone.set(s.phone.clone().unwrap_or_default());
        zone.set(s.zone.clone());
        start.set(s.quiet.as_ref().map(|q| q.0.clone()).unwrap_or_default());
        end.set(s.quiet.as_ref().map(|q| q.1.clone()).unwrap_or_default());
        settings.set(Some(s));
    };
    leptos::task::spawn_local(async move {
        match api::call::<gql::MyAlertSettings>(gql::my_alert_settings::Variables).await {
            Ok(d) => apply(serde_json::to_value(d.notification_settings).unwrap_or_default()),
            Err(e) => error.set(Some(e)),
        }
    });
    let save = move |input: ua::NotificationSettingsInput, done: &'static str| {
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::call::<gql::UpdateAlertSettings>(ua::Variables { input }).await {
                Ok(d) => {
                    apply(serde_json::to_value(d.update_notification_settings).unwrap_or_default());
                    note.set(Some(done.into()));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let empty = || ua::NotificationSettingsInput {
        phone: None,
        time_zone: None,
        quiet_hours: None,
        clear_quiet_hours: false,
        choices: None,
    };
    let save_phone = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save(
            ua::NotificationSettingsInput { phone: Some(phone.get_untracked()), ..empty() },
            "Number saved. Send yourself a code to prove it.",
        );
    };
    let send_code = move |channel: &'static str| {
        error.set(None);
        leptos::task::spawn_local(async move {
            let ch = if channel == "SMS" {
                gql::request_code::NotificationChannel::SMS
            } else {
                gql::request_code::NotificationChannel::EMAIL
            };
            match api::call::<gql::RequestCode>(gql::request_code::Variables { channel: ch }).await {
                Ok(d) => {
                    waiting.set(Some(channel));
                    note.set(Some(format!("We sent a code to {}.", d.request_contact_verification)));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(channel) = waiting.get_untracked() else { return };
        let c = code.get_untracked();
        leptos::task::spawn_local(async move {
            let ch = if channel == "SMS" {
                gql::confirm_code::NotificationChannel::SMS
            } else {
                gql::confirm_code::NotificationChannel::EMAIL
            };
            match api::call::<gql::ConfirmCode>(gql::confirm_code::Variables { channel: ch, code: c }).await {
                Ok(d) => {
                    apply(serde_json::to_value(d.confirm_contact_verification).unwrap_or_default());
                    waiting.set(None);
                    code.set(String::new());
                    note.set(Some("Proven. Alerts can go there now.".into()));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let save_quiet = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (s, e, z) = (start.get_untracked(), end.get_untracked(), zone.get_untracked());
        let input = if s.is_empty() && e.is_empty() {
            ua::NotificationSettingsInput { clear_quiet_hours: true, time_zone: Some(z), ..empty() }
        } else {
            ua::NotificationSettingsInput {
                quiet_hours: Some(ua::QuietHoursInput { start: s, end: e }),
                time_zone: Some(z),
                ..empty()
            }
        };
        save(input, "Quiet hours saved. Emergencies still come through.");
    };
    let toggle = move |event: String, channel: &'static str, on: bool| {
        let Some(s) = settings.get_untracked() else { return };
        let mut channels = s.choices.iter().find(|(e, _)| *e == event).map(|(_, c)| c.clone()).unwrap_or_default();
        channels.retain(|c| c != channel);
        if on {
            channels.push(channel.to_string());
        }
        let Some(ev) = event_of(&event) else { return };
        let choice =
            ua::NotificationChoiceInput { event: ev, channels: channels.iter().map(|c| channel_of(c)).collect() };
        save(ua::NotificationSettingsInput { choices: Some(vec![choice]), ..empty() }, "Saved.");
    };
    view! {
        <section class="card alerts-settings" aria-labelledby="alerts-h">
            <h2 id="alerts-h">"Alerts"</h2>
            {move || note.get().map(|n| view! { <p class="muted" role="status">{n}</p> })}
            {move || error.get().map(|e| view! { <ErrorBox error=e /> })}
            {move || settings.get().map(|s| view! {
                <form on:submit=save_phone>
                    <label for="alert-phone">"Mobile for SMS alerts"</label>
                    <input id="alert-phone" type="tel" autocomplete="tel" inputmode="tel" prop:value=phone on:input=move |ev| phone.set(event_target_value(&ev)) />
                    <p class="muted">{if s.phone_verified { "✓ Proven" } else if s.phone.is_some() { "Not proven yet: nothing is sent to it." } else { "No number yet." }}</p>
                    <button type="submit" class="small">"Save number"</button>
                    {(s.phone.is_some() && !s.phone_verified).then(|| view! { <button type="button" class="small secondary" on:click=move |_| send_code("SMS")>"Text me a code"</button> })}
                </form>
                <p>"Email alerts go to your login email. "
                    {if s.email_verified { view! { <span class="muted">"✓ Proven"</span> }.into_any() } else {
                        view! { <button type="button" class="small secondary" on:click=move |_| send_code("EMAIL")>"Email me a code"</button> }.into_any()
                    }}</p>
                {move || waiting.get().map(|_| view! {
                    <form on:submit=confirm>
                        <label for="alert-code">"The six-digit code"</label>
                        <input id="alert-code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" prop:value=code on:input=move |ev| code.set(event_target_value(&ev)) />
                        <button type="submit" class="small">"Prove it"</button>
                    </form>
                })}
                <form on:submit=save_quiet>
                    <fieldset><legend>"Quiet hours (no alerts but emergencies)"</legend>
                        <label for="quiet-start">"From"</label>
                        <input id="quiet-start" type="time" prop:value=start on:input=move |ev| start.set(event_target_value(&ev)) />
                        <label for="quiet-end">"To"</label>
                        <input id="quiet-end" type="time" prop:value=end on:input=move |ev| end.set(event_target_value(&ev)) />
                        <label for="quiet-zone">"Your time zone"</label>
                        <select id="quiet-zone" prop:value=zone on:change=move |ev| zone.set(event_target_value(&ev))>
                            <option value="">"NRP's (Sydney)"</option>
                            {ZONES.iter().map(|z| view! { <option value=*z>{z.trim_start_matches("Australia/")}</option> }).collect_view()}
                        </select>
                    </fieldset>
                    <button type="submit" class="small">"Save quiet hours"</button>
                </form>
                <table class="choices">
                    <thead><tr><th scope="col">"Alert"</th>{CHANNELS.iter().map(|c| view! { <th scope="col">{label(c)}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {s.choices.iter().filter(|(e, _)| e != "UNASSIGNED_LEAD").map(|(e, chosen)| {
                            let e = e.clone();
                            view! { <tr><th scope="row">{event_words(&e)}</th>
                                {CHANNELS.iter().map(|c| {
                                    let (e, on) = (e.clone(), chosen.iter().any(|x| x == c));
                                    view! { <td><input type="checkbox" aria-label=format!("{} by {}", event_words(&e), label(c)) prop:checked=on
                                        on:change=move |ev| toggle(e.clone(), c, event_target_checked(&ev)) /></td> }
                                }).collect_view()}
                            </tr> }
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}
