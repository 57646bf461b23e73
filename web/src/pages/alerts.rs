//! The contractor's alert settings (on the profile page): the mobile number SMS alerts go to,
//! proven with a code; the login email, proven the same way; quiet hours on their own clock; and
//! which channels each kind of alert uses.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::gql::{self, retype, update_alert_settings as ua};
use crate::ui::{ErrorBox, constant, label};
use ua::{NotificationChannel as Channel, NotificationEvent as Event};

/// The settings as the page shows them (every query returns the same fields, read as this one's).
type Settings = ua::UpdateAlertSettingsUpdateNotificationSettings;

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
const CHANNELS: [Channel; 3] = [Channel::PUSH, Channel::SMS, Channel::EMAIL];

fn event_words(e: &Event) -> &'static str {
    match e {
        Event::OFFER => "New offers",
        Event::JOB_OVERDUE => "Overdue jobs",
        Event::CERT_EXPIRING => "Certifications expiring",
        Event::PAYOUT_SENT => "Payouts sent",
        Event::UNASSIGNED_LEAD | Event::Other(_) => "Other",
    }
}

#[component]
pub fn AlertSettings() -> impl IntoView {
    let settings = RwSignal::new(None::<Settings>);
    let error = RwSignal::new(None::<ApiError>);
    let note = RwSignal::new(None::<String>);
    let phone = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let waiting = RwSignal::new(None::<Channel>);
    let start = RwSignal::new(String::new());
    let end = RwSignal::new(String::new());
    let zone = RwSignal::new(String::new());
    let apply = move |s: Option<Settings>| {
        let Some(s) = s else { return };
        phone.set(s.phone.clone().unwrap_or_default());
        zone.set(s.time_zone.clone().unwrap_or_default());
        start.set(s.quiet_hours.as_ref().map(|q| q.start.clone()).unwrap_or_default());
        end.set(s.quiet_hours.as_ref().map(|q| q.end.clone()).unwrap_or_default());
        settings.set(Some(s));
    };
    leptos::task::spawn_local(async move {
        match api::call::<gql::MyAlertSettings>(gql::my_alert_settings::Variables).await {
            Ok(d) => apply(retype(&d.notification_settings)),
            Err(e) => error.set(Some(e)),
        }
    });
    let save = move |input: ua::NotificationSettingsInput, done: &'static str| {
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::call::<gql::UpdateAlertSettings>(ua::Variables { input }).await {
                Ok(d) => {
                    apply(Some(d.update_notification_settings));
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
    let send_code = move |channel: Channel| {
        error.set(None);
        leptos::task::spawn_local(async move {
            let Some(ch) = retype(&channel) else { return };
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
            let Some(ch) = retype(&channel) else { return };
            match api::call::<gql::ConfirmCode>(gql::confirm_code::Variables { channel: ch, code: c }).await {
                Ok(d) => {
                    apply(retype(&d.confirm_contact_verification));
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
    let toggle = move |event: Event, channel: Channel, on: bool| {
        let Some(s) = settings.get_untracked() else { return };
        let mut channels = s.choices.into_iter().find(|c| c.event == event).map(|c| c.channels).unwrap_or_default();
        channels.retain(|c| *c != channel);
        if on {
            channels.push(channel);
        }
        let choice = ua::NotificationChoiceInput { event, channels };
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
                    {(s.phone.is_some() && !s.phone_verified).then(|| view! { <button type="button" class="small secondary" on:click=move |_| send_code(Channel::SMS)>"Text me a code"</button> })}
                </form>
                <p>"Email alerts go to your login email. "
                    {if s.email_verified { view! { <span class="muted">"✓ Proven"</span> }.into_any() } else {
                        view! { <button type="button" class="small secondary" on:click=move |_| send_code(Channel::EMAIL)>"Email me a code"</button> }.into_any()
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
                    <thead><tr><th scope="col">"Alert"</th>{CHANNELS.iter().map(|c| view! { <th scope="col">{label(&constant(c))}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {s.choices.into_iter().filter(|c| c.event != Event::UNASSIGNED_LEAD).map(|choice| {
                            let (e, chosen) = (choice.event, choice.channels);
                            view! { <tr><th scope="row">{event_words(&e)}</th>
                                {CHANNELS.into_iter().map(|c| {
                                    let (e, on) = (e.clone(), chosen.contains(&c));
                                    let name = format!("{} by {}", event_words(&e), label(&constant(&c)));
                                    view! { <td><input type="checkbox" aria-label=name prop:checked=on
                                        on:change=move |ev| toggle(e.clone(), c.clone(), event_target_checked(&ev)) /></td> }
                                }).collect_view()}
                            </tr> }
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}
