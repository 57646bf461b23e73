//! Admin: every notification NRP sent or tried to send (push, SMS, email), filtered by channel,
//! status, recipient and the days it was written; dead letters (`FAILED`) with their last error,
//! and "Send again". "Load more" continues the log and the CSV holds what it shows.

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::gql::{self, admin_notifications as an};
use crate::lists::{DayRange, PAGE, Paged, choice, text};
use crate::page_of;
use crate::ui::{ErrorBox, constant, label, when};

#[component]
pub fn NotificationsPage() -> impl IntoView {
    // Opens on the dead letters: what needs a person.
    let status = RwSignal::new("FAILED".to_string());
    let channel = RwSignal::new(String::new());
    let recipient = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let list = Paged::<an::AdminNotificationsNotificationsNodes>::default();
    let flash = RwSignal::new(None::<String>);
    let fetch = move |after: Option<String>, first: i64| {
        let filter = an::NotificationFilterInput {
            channel: choice(channel),
            status: choice(status),
            template: None,
            user_id: None,
            lead_id: None,
            recipient: text(recipient),
            created_from: text(from),
            created_to: text(to),
        };
        let vars = an::Variables { filter: Some(filter), after: after.clone(), first };
        let params =
            vec![("status", status), ("channel", channel), ("recipient", recipient), ("from", from), ("to", to)];
        list.load(after, params, |_| async move {
            Ok(page_of!(api::call::<gql::AdminNotifications>(vars).await?.notifications))
        });
    };
    let load = move |after: Option<String>| fetch(after, PAGE);
    load(None);
    let export_error = RwSignal::new(None::<ApiError>);
    let export = move |_| list.export("notifications", export_error);
    let resend = move |id: String| {
        leptos::task::spawn_local(async move {
            match api::call::<gql::ResendNotification>(gql::resend_notification::Variables { id }).await {
                Ok(_) => {
                    flash.set(Some("Queued to send again. It appears in the log as a new entry.".into()));
                    // The rows shown again, where they were, with the new entry at the top.
                    fetch(None, list.extent());
                }
                Err(e) => flash.set(Some(e.message)),
            }
        });
    };
    let rows = list.rows;
    view! {
        <section class="page" aria-labelledby="notifications-title">
            <h1 id="notifications-title">"Notifications"</h1>
            <form class="filters" role="search" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load(None); }>
                <div class="field"><label for="n-status">"Status"</label>
                <select id="n-status" prop:value=status on:change=move |ev| { status.set(event_target_value(&ev)); load(None); }>
                    <option value="">"Any"</option>
                    <option value="FAILED">"Failed (dead letters)"</option>
                    <option value="PENDING">"Pending"</option>
                    <option value="SENT">"Sent"</option>
                    <option value="CANCELLED">"Cancelled"</option>
                </select></div>
                <div class="field"><label for="n-channel">"Channel"</label>
                <select id="n-channel" prop:value=channel on:change=move |ev| { channel.set(event_target_value(&ev)); load(None); }>
                    <option value="">"Any"</option>
                    <option value="PUSH">"Push"</option>
                    <option value="SMS">"SMS"</option>
                    <option value="EMAIL">"Email"</option>
                </select></div>
                <div class="field"><label for="n-recipient">"Recipient"</label>
                <input id="n-recipient" placeholder="+61… or name@example.com" prop:value=recipient on:input=move |ev| recipient.set(event_target_value(&ev)) /></div>
                <DayRange id="n" what="Written" from to error=list.field_error("filter.createdTo") on_change=Callback::new(move |_| load(None)) />
                <button type="submit" class="small">"Filter"</button>
                <button type="button" class="small secondary export" on:click=export>"Export CSV"</button>
            </form>
            {move || flash.get().map(|f| view! { <p class="banner" role="status" on:click=move |_| flash.set(None)>{f}</p> })}
            {move || export_error.get().map(|e| view! { <ErrorBox error=e /> })}
            {move || (!rows.with(Vec::is_empty)).then(|| view! {
                <div class="table-wrap"><table class="notifications">
                    <thead><tr><th scope="col">"When"</th><th scope="col">"Channel"</th><th scope="col">"Message"</th>
                        <th scope="col">"To"</th><th scope="col">"Status"</th><th scope="col">"Tries"</th><th scope="col">"Last error"</th><th scope="col"></th></tr></thead>
                    <tbody>
                        {rows.get().into_iter().map(|n| {
                            let st = constant(&n.status);
                            let id = n.id.clone();
                            let can_resend = !matches!(n.status, an::NotificationStatus::PENDING);
                            view! {
                                <tr data-notification=n.id.clone() data-status=st.clone()>
                                    <td>{when(&n.created_at)}</td>
                                    <td>{label(&constant(&n.channel))}</td>
                                    <td><code>{n.template.clone()}</code><br />{n.subject.clone().unwrap_or_default()}</td>
                                    <td>{n.recipient.clone()}</td>
                                    <td>{label(&st)}{n.resent_from.as_ref().map(|_| " (resent)")}</td>
                                    <td>{n.attempts}</td>
                                    <td>{n.last_error.clone().unwrap_or_default()}</td>
                                    <td>{can_resend.then(|| {
                                        let id = id.clone();
                                        view! { <button class="small secondary resend" on:click=move |_| resend(id.clone())>"Send again"</button> }
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table></div>
            })}
            {list.foot("notifications", &["filter.createdTo"], Callback::new(move |_| load(None)), Callback::new(move |c| load(Some(c))))}
        </section>
    }
}
