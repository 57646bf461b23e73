//! Admin dashboard: the network at a glance, charts drawn as SVG in the app (no chart library).

use crate::nav::A;
use crate::route::Route;
use leptos::prelude::*;

use crate::api;
use crate::gql::{self, dashboard};
use crate::pages::offers::LinkBadge;
use crate::ui::{self, Cents, Load, constant, fixed, label, money, shown, when};
use crate::ws::{self, LinkState};
use gloo_timers::future::TimeoutFuture;

/// Each damage type's colour, in the order the leads chart stacks them.
const COLOURS: [(&str, &str); 4] =
    [("WATER", "#1f77b4"), ("FIRE", "#d62728"), ("MOULD", "#2ca02c"), ("STORM", "#9467bd")];

fn duration(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min {} s", s / 60, s % 60),
        s => format!("{} h {} min", s / 3600, (s / 60) % 60),
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let days = RwSignal::new(30i64);
    let state = RwSignal::new(Load::<dashboard::ResponseData>::Loading);
    // `quiet`: keep showing the figures while new ones load (a live update, not a first load).
    let load = move |quiet: bool| {
        let d = days.get_untracked();
        if !quiet {
            state.set(Load::Loading);
        }
        leptos::task::spawn_local(async move {
            let r = api::call::<gql::Dashboard>(dashboard::Variables { days: Some(d) }).await;
            let _ = state.try_set(match r {
                Ok(r) => Load::Ready(r),
                Err(_) if quiet && state.with_untracked(|s| matches!(s, Load::Ready(_))) => return,
                Err(e) => Load::Failed(e),
            });
        });
    };
    load(false);
    // Live: leads and jobs moving anywhere in the network reload the figures, at most once a
    // second and a half however busy the day; a link that comes back reloads what it missed.
    let pending = RwSignal::new(false);
    let soon = move || {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        leptos::task::spawn_local(async move {
            TimeoutFuture::new(1_500).await;
            if pending.try_set(false).is_none() {
                load(true);
            }
        });
    };
    let leads_link = RwSignal::new(LinkState::Connecting);
    let jobs_link = RwSignal::new(LinkState::Connecting);
    ws::subscribe::<gql::LeadUpdates>(gql::lead_updates::Variables, leads_link, move |_| soon());
    ws::subscribe::<gql::JobUpdates>(gql::job_updates::Variables, jobs_link, move |_| soon());
    let was_lost = RwSignal::new(false);
    Effect::new(move |_| match leads_link.get() {
        LinkState::Offline(_) => was_lost.set(true),
        LinkState::Live if was_lost.get_untracked() => {
            was_lost.set(false);
            soon();
        }
        _ => {}
    });
    view! {
        <section class="page" aria-labelledby="dash-title">
            <div class="page-head">
                <h1 id="dash-title">"Dashboard"</h1>
                <LinkBadge link=leads_link />
                <label class="check">"Period "
                    <select on:change=move |ev| { days.set(event_target_value(&ev).parse().unwrap_or(30)); load(false); }>
                        <option value="7">"7 days"</option>
                        <option value="30" selected>"30 days"</option>
                        <option value="90">"90 days"</option>
                    </select>
                </label>
            </div>
            {shown(state, "the dashboard", Callback::new(move |_| load(false)), move |r| { let d = r.dashboard; let q = r.unassigned; let returns = r.returns; let overdue_class = if d.overdue_jobs > 0 { "bad" } else { "" }; let queue_class = if q.total_count > 0 { "bad" } else { "" }; view! {
                    <div class="kpis">
                        <div class="card kpi"><span class="kpi-label">"Offer acceptance"</span>
                            <strong>{d.acceptance_rate.map(|r| format!("{}%", fixed(r * 100.0, 0))).unwrap_or_else(|| "—".into())}</strong>
                            <span class="muted">{format!("{} of {} decided", d.offers_accepted, d.offers_decided)}</span></div>
                        <div class="card kpi"><span class="kpi-label">"Median time to accept"</span>
                            <strong>{d.median_seconds_to_accept.map(duration).unwrap_or_else(|| "—".into())}</strong></div>
                        <div class="card kpi"><span class="kpi-label">"Overdue jobs"</span>
                            <strong class=overdue_class>{d.overdue_jobs}</strong>
                            <A to=Route::AdminJobs>"See jobs"</A></div>
                        <div class="card kpi unassigned"><span class="kpi-label">"Unassigned queue"</span>
                            <strong class=queue_class>{q.total_count}</strong>
                            <A to=Route::Leads>"See the queue"</A></div>
                    </div>
                    {(!q.nodes.is_empty()).then(|| view! {
                        <section class="card" aria-labelledby="queue-h">
                            <h2 id="queue-h">"Waiting for a contractor"</h2>
                            <ul class="plain queue">
                                {q.nodes.into_iter().map(|l| view! {
                                    <li data-lead=l.id.clone()><A to=Route::Lead(l.id.clone())>{format!("{} {} {}", l.property.suburb, l.property.state, l.property.postcode)}</A>
                                        {format!(" · {} · {} · {}", label(&constant(&l.damage_type)), label(&constant(&l.urgency)), when(&l.created_at))}</li>
                                }).collect_view()}
                            </ul>
                        </section>
                    })}
                    {(!returns.nodes.is_empty()).then(|| view! {
                        <section class="card" aria-labelledby="returns-h">
                            <h2 id="returns-h">{format!("Lead returns to decide ({})", returns.total_count)}</h2>
                            <ul class="plain queue">
                                {returns.nodes.into_iter().map(|x| view! {
                                    <li data-return=x.id.clone()><A to=Route::AdminJob(x.job_id.clone())>{label(&constant(&x.reason))}</A>
                                        {format!(" · {} · {}", x.note, when(&x.created_at))}</li>
                                }).collect_view()}
                            </ul>
                        </section>
                    })}
                    // One grid for the charts, so each is as wide as the others on any screen and
                    // their text is one size.
                    <div class="charts">
                        <LeadsChart days=d.leads_per_day.clone() />
                        <StagesChart stages=d.jobs_by_stage.clone() />
                        <MoneyChart weeks=d.money_by_week.clone() />
                    </div>
                }.into_any() })}
        </section>
    }
}

/// Stacked bars: leads per day, one colour per damage type.
#[component]
fn LeadsChart(days: Vec<dashboard::DashboardDashboardLeadsPerDay>) -> impl IntoView {
    let mut per_day: Vec<(String, [i64; 4])> = Vec::new();
    for d in &days {
        use dashboard::DamageType as D;
        let i = match d.damage_type {
            D::WATER => 0,
            D::FIRE => 1,
            D::MOULD => 2,
            D::STORM => 3,
            D::Other(_) => 0,
        };
        match per_day.last_mut() {
            Some((day, counts)) if *day == d.day => counts[i] += d.count,
            _ => {
                let mut counts = [0; 4];
                counts[i] = d.count;
                per_day.push((d.day.clone(), counts));
            }
        }
    }
    let max = per_day.iter().map(|(_, c)| c.iter().sum::<i64>()).max().unwrap_or(0).max(1);
    let total: i64 = per_day.iter().map(|(_, c)| c.iter().sum::<i64>()).sum();
    let (w, h) = (600.0, 220.0);
    let bw = w / per_day.len().max(1) as f64;
    let summary = format!("{total} leads over {} days; the busiest day had {max}.", per_day.len());
    view! {
        <section class="card" aria-labelledby="leads-chart-h">
            <h2 id="leads-chart-h">"Leads per day"</h2>
            {(total == 0).then(|| view! { <p class="empty no-data">"No data yet: no leads in this period."</p> })}
            <svg style=(total == 0).then_some("display:none") viewBox=format!("0 0 {w} {}", h + 20.0) role="img" aria-label=summary.clone() class="chart">
                <title>{summary.clone()}</title>
                {per_day.iter().enumerate().map(|(x, (day, counts))| {
                    let mut y = h;
                    let bars = counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(i, c)| {
                        let bh = *c as f64 / max as f64 * (h - 10.0);
                        y -= bh;
                        view! { <rect x=x as f64 * bw + 1.0 y=y width=(bw - 2.0).max(1.0) height=bh fill=COLOURS[i].1>
                            <title>{format!("{}: {c} {}", ui::day(day), label(COLOURS[i].0).to_lowercase())}</title></rect> }
                    }).collect_view();
                    let tick = (x % 7 == 0).then(|| view! { <text x=x as f64 * bw y=h + 15.0 class="tick">{ui::short_day(day)}</text> });
                    view! { {bars}{tick} }
                }).collect_view()}
            </svg>
            <ul class="legend">{COLOURS.iter().map(|(k, c)| view! { <li><span class="swatch" style=format!("background:{c}")></span>{label(k)}</li> }).collect_view()}</ul>
        </section>
    }
}

/// Horizontal bars: jobs in each stage now.
#[component]
fn StagesChart(stages: Vec<dashboard::DashboardDashboardJobsByStage>) -> impl IntoView {
    let max = stages.iter().map(|s| s.count).max().unwrap_or(0).max(1);
    let empty = stages.iter().all(|s| s.count == 0);
    let row = 26.0;
    let h = row * stages.len() as f64;
    view! {
        <section class="card" aria-labelledby="stages-h">
            <h2 id="stages-h">"Jobs by stage"</h2>
            {empty.then(|| view! { <p class="empty no-data">"No data yet: no jobs."</p> })}
            // 600 wide like the other charts, so their text is one size on any screen.
            <svg style=empty.then_some("display:none") viewBox=format!("0 0 600 {h}") role="img" aria-label="Jobs in each stage" class="chart">
                {stages.into_iter().enumerate().map(|(i, s)| {
                    let y = i as f64 * row;
                    let name = label(&constant(&s.status));
                    let bw = s.count as f64 / max as f64 * 420.0;
                    view! {
                        <text x=0 y=y + 17.0 class="tick">{name.clone()}</text>
                        <rect x=130 y=y + 4.0 width=bw.max(1.0) height=row - 8.0 fill="#145f8c"><title>{format!("{name}: {}", s.count)}</title></rect>
                        <text x=136.0 + bw y=y + 17.0 class="tick">{s.count}</text>
                    }
                }).collect_view()}
            </svg>
        </section>
    }
}

/// Grouped bars: NRP's commission and contractors' payouts, by week.
#[component]
fn MoneyChart(weeks: Vec<dashboard::DashboardDashboardMoneyByWeek>) -> impl IntoView {
    let max = weeks.iter().map(|w| w.commission_cents.0.max(w.payout_cents.0)).max().unwrap_or(0).max(1);
    let (w, h) = (600.0, 200.0);
    let gw = w / weeks.len().max(1) as f64;
    let total_c: i64 = weeks.iter().map(|w| w.commission_cents.0).sum();
    let total_p: i64 = weeks.iter().map(|w| w.payout_cents.0).sum();
    let summary =
        format!("Commission {} and payouts {} over the period.", money(Cents(total_c)), money(Cents(total_p)));
    view! {
        <section class="card" aria-labelledby="money-h">
            <h2 id="money-h">"Commission and payouts by week"</h2>
            <p class="muted">{summary.clone()}</p>
            {(total_c == 0 && total_p == 0).then(|| view! { <p class="empty no-data">"No data yet: no payouts in this period."</p> })}
            <svg style=(total_c == 0 && total_p == 0).then_some("display:none") viewBox=format!("0 0 {w} {}", h + 20.0) role="img" aria-label=summary class="chart">
                {weeks.into_iter().enumerate().map(|(i, wk)| {
                    let x = i as f64 * gw;
                    let ch = wk.commission_cents.0 as f64 / max as f64 * (h - 10.0);
                    let ph = wk.payout_cents.0 as f64 / max as f64 * (h - 10.0);
                    let bw = (gw / 2.0 - 3.0).max(1.0);
                    view! {
                        <rect x=x + 2.0 y=h - ch width=bw height=ch fill="#d9a400"><title>{format!("Week of {}: commission {}", ui::day(&wk.week_start), money(wk.commission_cents))}</title></rect>
                        <rect x=x + gw / 2.0 y=h - ph width=bw height=ph fill="#0b3d5c"><title>{format!("Week of {}: payouts {}", ui::day(&wk.week_start), money(wk.payout_cents))}</title></rect>
                        <text x=x + 2.0 y=h + 15.0 class="tick">{ui::short_day(&wk.week_start)}</text>
                    }
                }).collect_view()}
            </svg>
            <ul class="legend"><li><span class="swatch" style="background:#d9a400"></span>"Commission"</li><li><span class="swatch" style="background:#0b3d5c"></span>"Payouts"</li></ul>
        </section>
    }
}
