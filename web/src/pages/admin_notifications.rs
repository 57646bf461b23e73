//! Admin: every notification NRP sent or tried to send (push, SMS, email), filtered by channel,
//! status and recipient; dead letters (`FAILED`) with their last error, and "Send again".

use leptos::prelude::*;

use crate::api;
use crate::gql::{self, admin_notifications as an};
use crate::lists::choice;
use crate::ui::{Load, constant, label, shown, when};

type Rows = (Vec<an::AdminNotificationsNotificationsNodes>, i64);

#[component]
pub fn NotificationsPage() -> impl IntoView {
    // Opens on the dead letters: what needs a person.
    let status = RwSignal::new("FAILED".to_string());
    let channel = RwSignal::new(String::new());
    let recipient = RwSignal::new(String::new());
    let state = RwSignal::new(Load::<Rows>::Loading);
    let flash = RwSignal::new(None::<String>);
    let load = move || {
        let (status, channel, r) = (choice(status), choice(channel), recipient.get_untracked());
        leptos::task::spawn_local(async move {
            let filter = an::NotificationFilterInput {
                channel,
                status,
                template: None,
                user_id: None,
                lead_id: None,
                recipient: (!r.trim().is_empty()).then(|| r.trim().to_string()),
            };
            state.set(
                match api::call::<gql::AdminNotifications>(an::Variables { filter: Some(filter), after: None }).await {
                    Ok(d) => Load::Ready((d.notifications.nodes, d.notifications.total_count)),
                    Err(e) => Load::Failed(e),
                },
            );
        });
    };
    load();
    let resend = move |id: String| {
        leptos::task::spawn_local(async move {
            match api::call::<gql::ResendNotification>(gql::resend_notification::Variables { id }).await {
                Ok(_) => {
                    flash.set(Some("Queued to send again. It appears in the log as a new entry.".into()));
                    load();
                }
                Err(e) => flash.set(Some(e.message)),
            }
        });
    };
    view! {
        <section class="page" aria-labelledby="notifications-title">
            <h1 id="notifications-title">"Notifications"</h1>
            <form class="filters" role="search" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load(); }>
                <label for="n-status">"Status"</label>
                <select id="n-status" prop:value=status on:change=move |ev| { status.set(event_target_value(&ev)); load(); }>
                    <option value="">"Any"</option>
                    <option value="FAILED">"Failed (dead letters)"</option>
                    <option value="PENDING">"Pending"</option>
                    <option value="SENT">"Sent"</option>
                    <option value="CANCELLED">"Cancelled"</option>
                </select>
                <label for="n-channel">"Channel"</label>
                <select id="n-channel" prop:value=channel on:change=move |ev| { channel.set(event_target_value(&ev)); load(); }>
                    <option value="">"Any"</option>
                    <option value="PUSH">"Push"</option>
                    <option value="SMS">"SMS"</option>
                    <option value="EMAIL">"Email"</option>
                </select>
                <label for="n-recipient">"Recipient"</label>
                <input id="n-recipient" placeholder="+61… or name@example.com" prop:value=recipient on:input=move |ev| recipient.set(event_target_value(&ev)) />
                <button type="submit" class="small">"Filter"</button>
            </form>
            {move || flash.get().map(|f| view! { <p class="banner" role="status" on:click=move |_| flash.set(None)>{f}</p> })}
            {shown(state, "notifications", Callback::new(move |_| load()), move |v| match v {
                (rows, _) if rows.is_empty() => view! { <p class="empty">"Nothing here."</p> }.into_any(),
                (rows, total) => view! {
                    <p class="muted">{format!("{total} in all")}</p>
                    <div class="table-wrap"><table class="notifications">
                        <thead><tr><th scope="col">"When"</th><th scope="col">"Channel"</th><th scope="col">"Message"</th>
                            <th scope="col">"To"</th><th scope="col">"Status"</th><th scope="col">"Tries"</th><th scope="col">"Last error"</th><th scope="col"></th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|n| {
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
                }.into_any(),
            })}
        </section>
    }
}
