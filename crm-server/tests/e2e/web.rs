//! The web interface over HTTP, without a browser (the browser suite under `tests/browser/`
//! drives it in Chromium): login and its cookies, the strict policy on pages, CSRF on every
//! write, the duplicate warning, user text escaped, a sales rep's walls, the palette's
//! results, redirects to the login page and back.

use crate::support::{PASSWORD, spawn_app, tenant};
use crm_domain::user::Role;
use crm_sdk::models::ContactWrite;

/// A browser without JavaScript: follows nothing, keeps the cookies it is given.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: Vec<(String, String)>,
}

struct Page {
    status: u16,
    location: Option<String>,
    csp: Option<String>,
    body: String,
}

impl Browser {
    fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_owned(),
            cookies: Vec::new(),
        }
    }

    fn cookie(&self, name: &str) -> String {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let jar: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let r = req.header("cookie", jar.join("; ")).send().await.unwrap();
        for c in r.headers().get_all("set-cookie") {
            let c = c.to_str().unwrap();
            let (kv, _) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = kv.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != k);
            if !v.is_empty() {
                self.cookies.push((k.to_owned(), v.to_owned()));
            }
        }
        let header = |n: &str| r.headers().get(n).map(|v| v.to_str().unwrap().to_owned());
        Page {
            status: r.status().as_u16(),
            location: header("location"),
            csp: header("content-security-policy"),
            body: r.text().await.unwrap(),
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body: Vec<String> = form.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect();
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.join("&"));
        self.send(req).await
    }

    async fn login(&mut self, email: &str) {
        let p = self
            .post("/login", &[("email", email), ("password", PASSWORD), ("next", "/contacts")])
            .await;
        assert_eq!((p.status, p.location.as_deref()), (303, Some("/contacts")), "{}", p.body);
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_interface_serves_a_sales_team() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Interface web").await;
    let mut admin = Browser::new(&s.base);

    // Signed out: a page sends to the login page, and back after.
    let p = admin.get("/contacts?kind=client").await;
    assert_eq!(
        (p.status, p.location.as_deref()),
        (303, Some("/login?next=/contacts%3Fkind%3Dclient"))
    );
    let p = admin.get("/login").await;
    assert_eq!(p.status, 200);
    let csp = p.csp.unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe"), "{csp}");
    assert!(p.body.contains("id=\"login\"") && p.body.contains("Connexion"));
    // A wrong password says so, in French; no cookie is given.
    let p = admin
        .post("/login", &[("email", &fx.emails[&Role::Admin]), ("password", "faux")])
        .await;
    assert_eq!(p.status, 401);
    assert!(p.body.contains("role=\"alert\"") && p.body.contains("incorrect"), "{}", p.body);
    assert!(admin.cookie("crm_session").is_empty());
    // A login sends to a page of this site only.
    let p = admin
        .post(
            "/login",
            &[
                ("email", &fx.emails[&Role::Admin]),
                ("password", PASSWORD),
                ("next", "//ailleurs.example"),
            ],
        )
        .await;
    assert_eq!(p.location.as_deref(), Some("/dashboard"));
    assert!(!admin.cookie("crm_session").is_empty() && !admin.cookie("crm_csrf").is_empty());

    // Creating a contact: without the CSRF token nothing is written; with it, created.
    let form = |csrf: String| {
        vec![
            ("csrf".to_owned(), csrf),
            ("kind".to_owned(), "prospect".to_owned()),
            ("first_name".to_owned(), "Hélène".to_owned()),
            ("last_name".to_owned(), "Lefebvre".to_owned()),
            ("email".to_owned(), "helene@lefebvre.fr".to_owned()),
        ]
    };
    let no_token = form(String::new());
    let no_token: Vec<(&str, &str)> = no_token.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(admin.post("/contacts", &no_token).await.status, 403);
    let csrf = admin.cookie("crm_csrf");
    let good = form(csrf.clone());
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let p = admin.post("/contacts", &good).await;
    assert_eq!(p.status, 303, "{}", p.body);
    let page = p.location.unwrap();
    assert!(page.starts_with("/contacts/"));
    // The same again: the duplicate warning, with a link to the likely duplicate.
    let p = admin.post("/contacts", &good).await;
    assert_eq!(p.status, 409);
    assert!(
        p.body.contains("id=\"duplicates\"") && p.body.contains(&format!("href=\"{page}\"")),
        "{}",
        p.body
    );
    // A field at fault is named next to its input.
    let mut bad = good.clone();
    bad.retain(|(k, _)| *k != "first_name");
    let p = admin.post("/contacts", &bad).await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("Champ obligatoire"), "{}", p.body);

    // The contact's page; user text is escaped.
    let p = admin.get(&page).await;
    assert!(
        p.body.contains(">Hélène Lefebvre</h1>") && p.body.contains("id=\"timeline\""),
        "{}",
        p.body
    );
    let xss = s
        .client
        .with_token(&s.client.login(&fx.emails[&Role::Admin], PASSWORD).await.unwrap().token)
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "<img src=x onerror=alert(1)>".into(),
                last_name: "<script>alert(2)</script>".into(),
                ..ContactWrite::default()
            },
            true,
        )
        .await
        .unwrap();
    let p = admin.get(&format!("/contacts/{}", xss.id)).await;
    assert!(
        !p.body.contains("<img src=x") && !p.body.contains("<script>alert"),
        "user text must be escaped"
    );
    assert!(
        p.body.contains("&#60;img src=x onerror=alert(1)&#62;") || p.body.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{}",
        p.body
    );

    // Edit in place (as htmx sends it): the details come back with the new value; a stale
    // version is a conflict, shown in the form.
    let id = page.trim_start_matches("/contacts/");
    let edit = [
        ("csrf", csrf.as_str()),
        ("version", "1"),
        ("kind", "prospect"),
        ("first_name", "Hélène"),
        ("last_name", "Lefebvre-Martin"),
        ("email", "helene@lefebvre.fr"),
    ];
    let p = admin.post(&format!("/contacts/{id}"), &edit).await;
    assert_eq!(p.status, 303);
    assert!(admin.get(&page).await.body.contains("Lefebvre-Martin"));
    let p = admin.post(&format!("/contacts/{id}"), &edit).await;
    assert_eq!(p.status, 409);
    assert!(p.body.contains("pendant que vous le modifiiez"), "{}", p.body);
    // What was typed stays, now over the newer version: saving it again goes through.
    assert!(p.body.contains(r#"name="version" value="2""#), "{}", p.body);

    // An activity logged from the page lands on its timeline; a fault is shown with what
    // was typed.
    let log = format!("/contacts/{id}/activities");
    let p = admin
        .post(
            &log,
            &[
                ("csrf", csrf.as_str()),
                ("kind", "task"),
                ("subject", "Rappeler pour le devis"),
                ("when", "2026-12-03T10:00"),
            ],
        )
        .await;
    assert_eq!(p.location.as_deref(), Some(page.as_str()));
    assert!(admin.get(&page).await.body.contains("Tâche · Rappeler pour le devis"));
    let p = admin
        .post(
            &log,
            &[("csrf", csrf.as_str()), ("kind", "note"), ("subject", ""), ("body", "texte gardé")],
        )
        .await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("role=\"alert\"") && p.body.contains("texte gardé"), "{}", p.body);

    // Bulk actions from the list: a tag on the ticked contacts, then a static list; the
    // list says what changed.
    let xss_id = xss.id.to_string();
    let p = admin
        .post(
            "/contacts/bulk",
            &[
                ("csrf", csrf.as_str()),
                ("action", "tag"),
                ("tag", "salon-2027"),
                ("ids", id),
                ("ids", xss_id.as_str()),
                ("back", "sort=name"),
            ],
        )
        .await;
    assert_eq!(p.location.as_deref(), Some("/contacts?sort=name&changed=2&refused=0"));
    let tagged = admin.get("/contacts?tag=salon-2027").await.body;
    assert!(
        tagged.contains("Lefebvre-Martin") && (tagged.contains("&lt;img") || tagged.contains("&#60;img")),
        "{tagged}"
    );
    let back = admin.get("/contacts?sort=name&changed=2&refused=0").await.body;
    assert!(back.contains("2 contacts modifiés") && !back.contains("refusés"), "{back}");
    let api = s
        .client
        .with_token(&s.client.login(&fx.emails[&Role::Admin], PASSWORD).await.unwrap().token);
    let list = api
        .create_segment(&crm_sdk::models::SegmentWrite {
            name: "Invités".into(),
            rule: None,
        })
        .await
        .unwrap();
    let list_id = list.id.to_string();
    let p = admin
        .post(
            "/contacts/bulk",
            &[
                ("csrf", csrf.as_str()),
                ("action", "list"),
                ("list_id", list_id.as_str()),
                ("ids", id),
            ],
        )
        .await;
    assert_eq!(p.location.as_deref(), Some("/contacts?changed=1&refused=0"));
    let members = admin.get(&format!("/contacts?segment_id={list_id}")).await.body;
    assert!(members.contains("Lefebvre-Martin") && !members.contains("onerror"), "{members}");
    // Without the token, nothing.
    let p = admin.post("/contacts/bulk", &[("action", "tag"), ("tag", "x"), ("ids", id)]).await;
    assert_eq!(p.status, 403);

    // A sales rep: another's contact does not exist for them; their own does.
    let mut rep = Browser::new(&s.base);
    rep.login(&fx.emails[&Role::Sales]).await;
    assert_eq!(rep.get(&page).await.status, 404);
    let list = rep.get("/contacts").await.body;
    assert!(!list.contains("Lefebvre"), "a rep never sees another's contact, even listed");

    // The palette finds the contact (the index is filled by a reader of the log).
    let mut found = false;
    for _ in 0..100 {
        if admin.get("/search?q=lefebvre").await.body.contains("search-hit") {
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(found, "the palette finds the contact");
    assert!(!rep.get("/search?q=lefebvre").await.body.contains("search-hit"));

    // The assets are served under their hashed names, cached for a year.
    let shell = admin.get("/contacts").await.body;
    let css = shell.split("href=\"/assets/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let r = reqwest::get(format!("{}/assets/{css}", s.base)).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    assert_eq!(reqwest::get(format!("{}/assets/nope.js", s.base)).await.unwrap().status(), 404);

    // My account: the calendar feed's address shown once; the password changed with the
    // current one (a wrong one refused), every session ending.
    let rep_csrf = rep.cookie("crm_csrf");
    let account = rep.get("/account").await;
    assert!(
        account.body.contains(&fx.emails[&Role::Sales]) && account.body.contains("Commercial"),
        "{}",
        account.body
    );
    let p = rep.post("/account/calendar-feed", &[("csrf", rep_csrf.as_str())]).await;
    assert!(
        p.body.contains("id=\"feed-url\"") && p.body.contains("/api/v1/calendar/"),
        "{}",
        p.body
    );
    let feed = p
        .body
        .split("<code id=\"feed-url\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let ics = reqwest::get(feed.replace("http://localhost", &s.base)).await.unwrap();
    assert_eq!(ics.status(), 200, "the feed's address works");
    assert!(!rep.get("/account").await.body.contains("feed-url"), "shown once");
    let p = rep
        .post(
            "/account/password",
            &[
                ("csrf", rep_csrf.as_str()),
                ("current_password", "pas le bon"),
                ("new_password", "une toute nouvelle phrase"),
            ],
        )
        .await;
    assert_eq!(p.status, 403);
    assert!(p.body.contains("actuel est incorrect"), "{}", p.body);
    let p = rep
        .post(
            "/account/password",
            &[
                ("csrf", rep_csrf.as_str()),
                ("current_password", PASSWORD),
                ("new_password", "une toute nouvelle phrase"),
            ],
        )
        .await;
    assert_eq!(p.location.as_deref(), Some("/login?changed=1"));
    assert_eq!(rep.get("/contacts").await.status, 303, "the session ended");

    // Logout ends the session.
    let p = admin.post("/logout", &[("csrf", csrf.as_str())]).await;
    assert_eq!(p.location.as_deref(), Some("/login"));
    assert_eq!(admin.get("/contacts").await.status, 303);
    s.stop().await;
}

/// The board, an opportunity's page and the to-do list over HTTP: the rules refuse a
/// skipped stage with their message (the card stays), CSRF on every move, user text
/// escaped, a rep's walls (another rep's deal is absent, even from the counts, and its
/// page and moves are 404), Marketing kept off the board.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_keeps_the_rules_and_the_walls() {
    use crm_sdk::models::NewOpportunity;
    let s = spawn_app().await;
    let fx = tenant(&s, "Tableau web").await;
    let admin_api = fx.client(Role::Admin);
    let pipeline = admin_api.list_pipelines().await.unwrap().remove(0);
    let deal = |title: &str, owner_api: &crm_sdk::Client| {
        let o = NewOpportunity {
            pipeline_id: pipeline.id,
            title: title.to_owned(),
            value_minor: 1_234_550,
            ..NewOpportunity::default()
        };
        let api = owner_api.clone();
        async move { api.create_opportunity(&o).await.unwrap() }
    };
    let xss = deal("<img src=x onerror=alert(1)>", fx.client(Role::Sales)).await;
    let other = deal("Affaire d'un autre", admin_api).await;

    let mut rep = Browser::new(&s.base);
    rep.login(&fx.emails[&Role::Sales]).await;
    let board = rep.get(&format!("/pipeline?pipeline={}", pipeline.id)).await;
    assert_eq!(board.status, 200);
    assert!(
        board.body.contains("&#60;img src=x") && !board.body.contains("<img src=x"),
        "{}",
        board.body
    );
    assert!(board.body.contains("12\u{202f}345,50\u{a0}€"), "money as written in French");
    assert!(!board.body.contains("Affaire d"), "another's deal is not on a rep's board");
    assert!(board.body.contains("1 affaire<"), "nor in its counts: {}", board.body);
    assert_eq!(rep.get(&format!("/opportunities/{}", other.id)).await.status, 404);
    let csrf = rep.cookie("crm_csrf");
    let stage = |i: usize| pipeline.stages[i].id.to_string();
    let p = rep
        .post(
            &format!("/opportunities/{}/move", other.id),
            &[("csrf", csrf.as_str()), ("version", "1"), ("stage", stage(1).as_str())],
        )
        .await;
    assert_eq!(p.status, 404, "a rep cannot move another's deal");
    // Without the token, nothing moves.
    let p = rep
        .post(
            &format!("/opportunities/{}/move", xss.id),
            &[("version", "1"), ("stage", stage(1).as_str())],
        )
        .await;
    assert_eq!(p.status, 403);
    // A skipped stage: refused with the rule's message, in French; the deal stays.
    let p = rep
        .post(
            &format!("/opportunities/{}/move", xss.id),
            &[
                ("csrf", csrf.as_str()),
                ("version", "1"),
                ("stage", stage(2).as_str()),
                ("from", "board"),
            ],
        )
        .await;
    assert_eq!(p.status, 200);
    assert!(
        p.body.contains("role=\"alert\"") && p.body.contains("une étape à la fois"),
        "{}",
        p.body
    );
    assert_eq!(admin_api.opportunity(xss.id).await.unwrap().stage_id, pipeline.stages[0].id);
    // The next one: moved; from the deal's page, back to it.
    let p = rep
        .post(
            &format!("/opportunities/{}/move", xss.id),
            &[("csrf", csrf.as_str()), ("version", "1"), ("stage", stage(1).as_str())],
        )
        .await;
    assert_eq!(p.location, Some(format!("/opportunities/{}", xss.id)));
    let page = rep.get(&format!("/opportunities/{}", xss.id)).await.body;
    assert!(page.contains(pipeline.stages[1].name.as_str()) && !page.contains("<img src=x"));
    // A stale version is a conflict, said so.
    let p = rep
        .post(
            &format!("/opportunities/{}/move", xss.id),
            &[("csrf", csrf.as_str()), ("version", "1"), ("stage", stage(2).as_str())],
        )
        .await;
    assert_eq!(p.status, 409);
    assert!(p.body.contains("modifié cette affaire entre-temps"), "{}", p.body);

    // Marketing has no board; the dashboard and the to-do list are everyone's.
    let mut marketing = Browser::new(&s.base);
    marketing.login(&fx.emails[&Role::Marketing]).await;
    assert_eq!(marketing.get("/pipeline").await.status, 403);
    let day = marketing.get("/dashboard").await;
    assert_eq!(day.status, 200);
    assert!(!day.body.contains("Mes affaires en cours"));
    assert_eq!(marketing.get("/todo").await.status, 200);
    assert_eq!(rep.get("/dashboard").await.status, 200);

    // Past 30 cards in a column, "more" shows 30 more.
    for i in 0..31 {
        deal(&format!("Affaire en nombre {i:02}"), admin_api).await;
    }
    let mut admin = Browser::new(&s.base);
    admin.login(&fx.emails[&Role::Admin]).await;
    let first = admin.get(&format!("/pipeline?pipeline={}", pipeline.id)).await.body;
    let more = format!("/pipeline?pipeline={}&#38;cards=60", pipeline.id);
    assert!(first.contains(&more), "a link to more cards: {first}");
    let shown = |body: &str| (0..31).filter(|i| body.contains(&format!("Affaire en nombre {i:02}"))).count();
    assert!(shown(&first) <= 30, "30 cards a column at first");
    let all = admin.get(&more.replace("&#38;", "&")).await.body;
    assert_eq!(shown(&all), 31);
    assert!(!all.contains("cards=90"), "no more to show");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_are_the_writers_own_and_walled() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Brouillons web").await;
    let other = tenant(&s, "Brouillons voisins").await;
    let contact = |first: &str| ContactWrite {
        kind: "prospect".into(),
        first_name: first.into(),
        last_name: "Brouillon".into(),
        ..ContactWrite::default()
    };
    let admins = fx.client(Role::Admin).create_contact(&contact("Admin"), true).await.unwrap();
    let reps = fx.client(Role::Sales).create_contact(&contact("Rep"), true).await.unwrap();
    let theirs = other.client(Role::Admin).create_contact(&contact("Voisin"), true).await.unwrap();

    let mut rep = Browser::new(&s.base);
    // Without a session: 401 (the page asks for the password in a dialog), never a redirect.
    let p = rep.post("/drafts", &[("form", "contact_new"), ("first_name", "x")]).await;
    assert_eq!(p.status, 401);
    assert_eq!(rep.get("/drafts?form=contact_new").await.status, 401);
    // An htmx request without a session is told the same, not sent to the login page.
    let req = rep.http.get(format!("{}/contacts", s.base)).header("hx-request", "true");
    assert_eq!(rep.send(req).await.status, 401);

    rep.login(&fx.emails[&Role::Sales]).await;
    let csrf = rep.cookie("crm_csrf");
    let record = reps.id.to_string();
    // Without the CSRF token nothing is kept.
    let p = rep
        .post("/drafts", &[("form", "contact"), ("record", &record), ("job_title", "x")])
        .await;
    assert_eq!(p.status, 403);
    assert_eq!(rep.get(&format!("/drafts?form=contact&record={record}")).await.status, 204);
    // Kept, read back as JSON (the password and the plumbing never kept).
    let p = rep
        .post(
            "/drafts",
            &[
                ("csrf", &csrf),
                ("form", "contact"),
                ("record", &record),
                ("base_version", "1"),
                ("job_title", "Chargée d'affaires <b>"),
                ("password", "secret"),
            ],
        )
        .await;
    assert_eq!(p.status, 204, "{}", p.body);
    let p = rep.get(&format!("/drafts?form=contact&record={record}")).await;
    assert_eq!(p.status, 200);
    let d: serde_json::Value = serde_json::from_str(&p.body).unwrap();
    assert_eq!(d["fields"], serde_json::json!({ "job_title": "Chargée d'affaires <b>" }));
    assert_eq!(d["base_version"], 1);
    assert!(d["saved"].as_str().unwrap().contains(' '), "a date in words: {d}");
    // Walls: another rep's contact, another tenant's: 404; an unknown form: 422.
    for id in [admins.id, theirs.id] {
        let p = rep
            .post(
                "/drafts",
                &[
                    ("csrf", &csrf),
                    ("form", "contact"),
                    ("record", &id.to_string()),
                    ("job_title", "x"),
                ],
            )
            .await;
        assert_eq!(p.status, 404);
        assert_eq!(rep.get(&format!("/drafts?form=contact&record={id}")).await.status, 404);
    }
    assert_eq!(rep.post("/drafts", &[("csrf", &csrf), ("form", "account")]).await.status, 422);
    // Merging: another rep's contact or another tenant's is not found, either way round.
    for id in [admins.id, theirs.id] {
        let into_mine = rep
            .post(
                &format!("/contacts/{record}/merge"),
                &[("csrf", &csrf), ("version", "1"), ("merged_id", &id.to_string())],
            )
            .await;
        assert_eq!(into_mine.status, 404);
        let into_theirs = rep
            .post(
                &format!("/contacts/{id}/merge"),
                &[("csrf", &csrf), ("version", "1"), ("merged_id", &record)],
            )
            .await;
        assert_eq!(into_theirs.status, 404);
    }
    // Another person of the same company does not see it.
    let mut admin = Browser::new(&s.base);
    admin.login(&fx.emails[&Role::Admin]).await;
    assert_eq!(admin.get(&format!("/drafts?form=contact&record={record}")).await.status, 204);
    // Saving the form forgets its draft.
    let p = rep
        .post(
            &format!("/contacts/{record}"),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("kind", "prospect"),
                ("first_name", "Rep"),
                ("last_name", "Brouillon"),
                ("job_title", "Chargée d'affaires"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(rep.get(&format!("/drafts?form=contact&record={record}")).await.status, 204);
    // Set aside on request.
    rep.post("/drafts", &[("csrf", &csrf), ("form", "contact_new"), ("first_name", "Zoé")])
        .await;
    assert_eq!(rep.get("/drafts?form=contact_new").await.status, 200);
    assert_eq!(
        rep.post("/drafts/discard", &[("csrf", &csrf), ("form", "contact_new")])
            .await
            .status,
        204
    );
    assert_eq!(rep.get("/drafts?form=contact_new").await.status, 204);

    // Logging in again from the dialog: no page, the cookies and who it is.
    let mut again = Browser::new(&s.base);
    let body = format!("email={}&password={}", enc(&fx.emails[&Role::Sales]), enc(PASSWORD));
    let req = again
        .http
        .post(format!("{}/login", s.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-crm-relogin", "1")
        .body(body);
    let r = again.send(req).await;
    assert_eq!(r.status, 204);
    assert!(!again.cookie("crm_session").is_empty() && !again.cookie("crm_csrf").is_empty());
    let req = again
        .http
        .post(format!("{}/login", s.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-crm-relogin", "1")
        .body(format!("email={}&password=faux", enc(&fx.emails[&Role::Sales])));
    assert_eq!(again.send(req).await.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeline_pages_back_within_the_walls() {
    use crm_sdk::models::{ActivityWrite, LinkRef};
    let s = spawn_app().await;
    let fx = tenant(&s, "Historique web").await;
    let other = tenant(&s, "Historique voisin").await;
    let api = fx.client(Role::Sales);
    let c = api
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "Long".into(),
                last_name: "Historique".into(),
                ..ContactWrite::default()
            },
            true,
        )
        .await
        .unwrap();
    for i in 0..55 {
        let note = ActivityWrite {
            kind: Some("note".into()),
            subject: format!("Note numéro {i:02}"),
            links: vec![LinkRef {
                entity_type: "contact".into(),
                entity_id: c.id,
                name: None,
            }],
            ..ActivityWrite::default()
        };
        api.create_activity(&note).await.unwrap();
    }
    let mut rep = Browser::new(&s.base);
    rep.login(&fx.emails[&Role::Sales]).await;
    let page = rep.get(&format!("/contacts/{}", c.id)).await.body;
    let seen = |body: &str| (0..55).filter(|i| body.contains(&format!("Note numéro {i:02}"))).count();
    assert_eq!(seen(&page), 50, "the 50 newest lines at first");
    let start = page.find("id=\"timeline-older\"").expect("a link to older lines");
    let href = &page[start..];
    let href = &href[href.find("href=\"").unwrap() + 6..];
    let href = href[..href.find('"').unwrap()].replace("&#38;", "&");
    assert!(href.starts_with(&format!("/timeline/contact/{}?before=", c.id)), "{href}");
    let far = rep.get(&format!("/timeline/contact/{}?before=2100-01-01T00:00:00Z", c.id)).await;
    assert_eq!(seen(&far.body), 50, "from a date to come, the newest: {}", far.body);
    let older = rep.get(&href).await;
    assert_eq!(older.status, 200);
    assert!(older.body.contains(r#"hx-swap-oob="beforeend:#timeline""#), "{}", older.body);
    assert_eq!(seen(&older.body), 5, "the rest: {}", older.body);
    assert!(older.body.contains("Création"), "down to the contact's creation");
    assert!(!older.body.contains("timeline-older"), "nothing older left");
    // Another company's reader finds nothing there; a kind without a timeline, nothing.
    let mut stranger = Browser::new(&s.base);
    stranger.login(&other.emails[&Role::Admin]).await;
    assert_eq!(stranger.get(&href).await.status, 404);
    assert_eq!(rep.get("/timeline/task/00000000-0000-0000-0000-000000000000").await.status, 404);
    s.stop().await;
}
