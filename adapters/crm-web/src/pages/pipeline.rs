//! The pipeline board: one column per stage (count, total, weighted total), cards moved
//! by drag and drop or by their buttons (keyboard, touch), won or lost with a reason; and
//! the moves themselves, answered with the board again (a refused move puts the card
//! back, with the rule's message) or, from an opportunity's page, that page.

use super::{Form, session_of, signed_in, signed_write};
use crate::Web;
use crate::i18n::Lang;
use crate::view::{Page, error_page, render, see_other};
use askama::Template;
use crm_domain::event::EntityType;
use crm_domain::forecast::StageTotal;
use crm_domain::opportunity::RuleError;
use crm_domain::visibility::{Capability, allows};
use crm_domain::{OpportunityId, PipelineId, StageId, TeamId, UserId};
use crm_ports::services::board::{Board, BoardFilter};
use crm_ports::services::names::NameRequest;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::http::StatusCode;
use poem::{Request, Response};
use uuid::Uuid;

/// Cards shown per column.
const PER_COLUMN: u32 = 30;
/// Most cards per column a board shows ("more" adds [`PER_COLUMN`] each time).
const MAX_PER_COLUMN: u32 = 300;

/// A card.
pub(crate) struct Card {
    id: Uuid,
    version: i64,
    title: String,
    value: String,
    organization: String,
    owner: String,
    close: String,
    /// The stage before and after (id, name), when there is one.
    back: Option<(Uuid, String)>,
    next: Option<(Uuid, String)>,
    /// At the last stage: won or lost from here.
    last: bool,
}

/// A column.
pub(crate) struct Column {
    id: Uuid,
    name: String,
    probability: u8,
    count: u64,
    /// `Total 12 500 € · Pondéré 1 250 €` per currency.
    totals: Vec<(String, String)>,
    cards: Vec<Card>,
    more: bool,
}

/// A stage's totals as written, per currency: (total, weighted total).
pub(crate) fn totals_text(lang: Lang, totals: &[StageTotal]) -> Vec<(String, String)> {
    totals
        .iter()
        .map(|t| {
            (
                lang.money(t.total_minor, t.currency.as_str()),
                lang.money(t.weighted_minor, t.currency.as_str()),
            )
        })
        .collect()
}

/// The board's region (refreshed alone after a move, and live).
#[derive(Template)]
#[template(path = "board.html")]
pub(crate) struct BoardFragment {
    page: Page,
    columns: Vec<Column>,
    /// The query that shows this board again (its filters).
    query: String,
    /// The query that shows more cards per column (when a column has more).
    more_query: String,
    /// After a move: the message and whether it is a refusal.
    message: Option<(String, bool)>,
    can_move: bool,
}

#[derive(Template)]
#[template(path = "pipeline.html")]
struct BoardPage {
    page: Page,
    board: BoardFragment,
    pipelines: Vec<(Uuid, String, bool)>,
    owners: Vec<(Uuid, String, bool)>,
    teams: Vec<(Uuid, String, bool)>,
    /// Whether the reader sees others' deals (the owner and team filters).
    sees_others: bool,
    /// The filters of the opportunities' export: this pipeline, this owner.
    export_query: String,
}

fn uuid_of(q: &Form, key: &str) -> Option<Uuid> {
    q.get(key).and_then(|v| Uuid::parse_str(&v).ok())
}

fn filter_of(q: &Form) -> BoardFilter {
    BoardFilter {
        pipeline_id: uuid_of(q, "pipeline").map(PipelineId::from_uuid),
        owner_id: uuid_of(q, "owner").map(UserId::from_uuid),
        team_id: uuid_of(q, "team").map(TeamId::from_uuid),
    }
}

/// Cards per column asked by a query (`cards`), within bounds.
fn cards_of(q: &Form) -> u32 {
    q.get("cards")
        .and_then(|n| n.parse::<u32>().ok())
        .map_or(PER_COLUMN, |n| n.clamp(PER_COLUMN, MAX_PER_COLUMN))
}

fn query_of(f: &BoardFilter, pipeline: Uuid, cards: u32) -> String {
    let mut q = format!("pipeline={pipeline}");
    if cards != PER_COLUMN {
        q.push_str(&format!("&cards={cards}"));
    }
    if let Some(o) = f.owner_id {
        q.push_str(&format!("&owner={o}"));
    }
    if let Some(t) = f.team_id {
        q.push_str(&format!("&team={t}"));
    }
    q
}

/// The query of the page an htmx request was made from (the board's filters).
fn current_page_query(req: &Request) -> Form {
    let url = req.header("hx-current-url").unwrap_or_default();
    Form::parse(url.split_once('?').map_or("", |(_, q)| q))
}

async fn fragment<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    page: Page,
    filter: &BoardFilter,
    cards: u32,
    message: Option<(String, bool)>,
) -> Result<(BoardFragment, Board), (Page, ServiceError)> {
    let board = match web.app.board(actor, filter, cards).await {
        Ok(b) => b,
        Err(e) => return Err((page, e)),
    };
    let lang = page.lang;
    let tz = super::company_tz(web, actor).await;
    let year = super::this_year(web, tz);
    let mut names = NameRequest::default();
    for card in board.columns.iter().flat_map(|c| &c.cards) {
        names.user(card.owner_id.as_uuid());
        if let Some(o) = card.fields.organization_id {
            names.record(EntityType::Organization, o.as_uuid());
        }
    }
    let names = web.app.names(actor, &names).await.unwrap_or_default();
    let stages = &board.pipeline.stages;
    let columns = board
        .columns
        .iter()
        .enumerate()
        .map(|(i, col)| {
            let back = i
                .checked_sub(1)
                .and_then(|j| stages.get(j))
                .map(|s| (s.id.as_uuid(), s.name.to_string()));
            let next = stages.get(i + 1).map(|s| (s.id.as_uuid(), s.name.to_string()));
            Column {
                id: col.stage.id.as_uuid(),
                name: col.stage.name.to_string(),
                probability: col.stage.probability.percent(),
                count: col.count(),
                totals: totals_text(lang, &col.totals),
                cards: col
                    .cards
                    .iter()
                    .map(|o| Card {
                        id: o.id.as_uuid(),
                        version: o.version,
                        title: o.fields.title.to_string(),
                        value: lang.money(i128::from(o.fields.value.minor()), o.fields.value.currency().as_str()),
                        organization: o.fields.organization_id.and_then(|id| names.get(id.as_uuid())).unwrap_or_default(),
                        owner: names.get(o.owner_id.as_uuid()).unwrap_or_default(),
                        close: o.fields.expected_close.map(|d| lang.day(d, year)).unwrap_or_default(),
                        back: back.clone(),
                        next: next.clone(),
                        last: next.is_none(),
                    })
                    .collect(),
                more: col.more,
            }
        })
        .collect();
    let query = query_of(filter, board.pipeline.id.as_uuid(), cards);
    let more_query = query_of(filter, board.pipeline.id.as_uuid(), (cards + PER_COLUMN).min(MAX_PER_COLUMN));
    Ok((
        BoardFragment {
            can_move: allows(actor, Capability::WriteOpportunities),
            page,
            columns,
            query,
            more_query,
            message,
        },
        board,
    ))
}

/// `GET /pipeline`: the board page, with its pipeline, owner and team choices.
pub(crate) async fn show<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match signed_in(web, &req, "pipeline").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let actor = auth.actor;
    let q = Form::query(&req);
    let filter = filter_of(&q);
    let (board, b) = match fragment(web, &actor, page.clone(), &filter, cards_of(&q), None).await {
        Ok(x) => x,
        Err((page, e)) => return error_page(page, &e),
    };
    let sees_others = !matches!(
        actor,
        crm_domain::Actor::User {
            role: crm_domain::user::Role::Sales,
            ..
        }
    );
    let (owners, teams) = if sees_others {
        let users = web.app.list_users(&actor).await.unwrap_or_default();
        let teams = web.app.list_teams(&actor).await.unwrap_or_default();
        (
            users
                .iter()
                .map(|u| (u.id.as_uuid(), u.display_name.to_string(), filter.owner_id == Some(u.id)))
                .collect(),
            teams
                .iter()
                .map(|t| (t.id.as_uuid(), t.name.to_string(), filter.team_id == Some(t.id)))
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let mut export_query = format!("pipeline_id={}", b.pipeline.id);
    if let Some(o) = filter.owner_id {
        export_query.push_str(&format!("&owner_id={o}"));
    }
    render(
        StatusCode::OK,
        &BoardPage {
            export_query,
            pipelines: b
                .pipelines
                .iter()
                .map(|p| (p.id.as_uuid(), p.name.to_string(), p.id == b.pipeline.id))
                .collect(),
            owners,
            teams,
            sees_others,
            board,
            page,
        },
    )
}

/// `GET /pipeline/board`: the board's region alone (live refresh).
pub(crate) async fn region<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    let (auth, page) = match session_of(web, &req, "pipeline").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let q = Form::query(&req);
    match fragment(web, &auth.actor, page, &filter_of(&q), cards_of(&q), None).await {
        Ok((f, _)) => render(StatusCode::OK, &f),
        Err((page, e)) => error_page(page, &e),
    }
}

/// The message of a refused change, in the reader's language.
pub(crate) fn refusal(lang: Lang, e: &ServiceError) -> Option<String> {
    let key = match e {
        ServiceError::Rule(r) => match r {
            RuleError::Closed => "rule.closed",
            RuleError::SkipsStage { .. } => "rule.skips_stage",
            RuleError::SameStage => "rule.same_stage",
            RuleError::NotAtLastStage => "rule.not_at_last_stage",
            RuleError::AtLastStage => "rule.at_last_stage",
            RuleError::NotClosed => "rule.not_closed",
            RuleError::Invalid(_) => "field.other",
        },
        ServiceError::Conflict => "rule.conflict",
        ServiceError::Invalid(v) => {
            return Some(
                v.errors()
                    .iter()
                    .map(|x| {
                        let key = format!("field_name.{}", x.field);
                        let name = lang.t(&key);
                        let name = if name == key { x.field.clone() } else { name };
                        format!("{name} : {}", crate::view::fault_text(lang, x.kind))
                    })
                    .collect::<Vec<_>>()
                    .join(" ; "),
            );
        }
        _ => return None,
    };
    Some(lang.t(key))
}

/// What a card's form asks for.
enum Change {
    Move(StageId),
    Win,
    Lose(String),
}

/// Runs a move, a win or a loss, and answers: the board again (from the board, with the
/// outcome's message), else the opportunity's page.
async fn change<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request, what: &str) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "pipeline").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(id) = super::path_id(&req).map(OpportunityId::from_uuid) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let actor = auth.actor;
    let change = match what {
        "move" => match uuid_of(&form, "stage") {
            Some(s) => Change::Move(StageId::from_uuid(s)),
            None => return error_page(page, &ServiceError::NotFound),
        },
        "win" => Change::Win,
        _ => Change::Lose(form.text("reason")),
    };
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let outcome = match &change {
        Change::Move(stage) => web.app.move_opportunity(&actor, id, version, *stage).await,
        Change::Win => web.app.win_opportunity(&actor, id, version).await,
        Change::Lose(reason) => web.app.lose_opportunity(&actor, id, version, reason).await,
    };
    let lang = page.lang;
    let message = match &outcome {
        Ok(_) => Some((
            lang.t(match change {
                Change::Move(_) => "board.moved",
                Change::Win => "board.won",
                Change::Lose(_) => "board.lost",
            }),
            false,
        )),
        Err(e) => refusal(lang, e).map(|m| (m, true)),
    };
    if let (Err(e), None) = (&outcome, &message) {
        return error_page(page, e);
    }
    if form.get("from").as_deref() == Some("board") {
        // htmx swaps 2xx answers only: a refusal is sent as 200 with the board that puts
        // the card back and says why (the message is an alert).
        let q = current_page_query(&req);
        return match fragment(web, &actor, page, &filter_of(&q), cards_of(&q), message).await {
            Ok((f, _)) => render(StatusCode::OK, &f),
            Err((page, e)) => error_page(page, &e),
        };
    }
    match outcome {
        Ok(_) => see_other(&req, &web.settings.base_path, &format!("/opportunities/{id}")),
        Err(_) => super::opportunity::whole_page(web, &actor, page, id, message, StatusCode::CONFLICT).await,
    }
}

/// `POST /opportunities/{id}/move` (`stage`, `version`).
pub(crate) async fn move_to<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    change(web, req, "move").await
}

/// `POST /opportunities/{id}/win` (`version`).
pub(crate) async fn win<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    change(web, req, "win").await
}

/// `POST /opportunities/{id}/lose` (`version`, `reason`).
pub(crate) async fn lose<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response {
    change(web, req, "lose").await
}
