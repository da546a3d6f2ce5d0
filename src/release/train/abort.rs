//! `git release rc abort` (issue 17 item 6): closes the pull requests the train opened
//! (and any open one from an RC branch), deletes the RC branches locally and on the remote
//! (only while they still name the RC head the manifest records), and marks the manifest
//! `aborted`. RC tags are kept: they name builds someone may have tested.

use std::fmt::Write as _;

use anyhow::Result;
use serde::Deserialize;

use super::Place;
use super::manifest::Lifecycle;
use crate::context::GlobalArgs;
use crate::error::Error;
use crate::forge::{Forge as _, Request};

/// Runs `git release rc abort [TRAIN]`.
///
/// # Errors
/// No such train; the train has shipped.
pub fn abort(global: &GlobalArgs, place: &Place, train: Option<&str>, dry_run: bool) -> Result<()> {
    let (path, m) = super::locate(place, train)?;
    if m.state == Lifecycle::Ship {
        return Err(Error::failed(format!(
            "train `{}` has shipped; there is nothing to abort",
            m.train_id
        ))
        .with_hint("`git release rollback TAG` undoes a published release")
        .into());
    }
    let (first, _lock, mut m) = super::open_locked(global, &path, &m)?;
    let ui = first.ui.clone();
    let who = crate::release::preflight::identity(&first);
    let mut out = String::new();
    for i in 0..m.repos.len() {
        let ctx = super::open(global, &m.repos[i].path)?;
        let r = m.repos[i].clone();
        if let Some(gh) = super::forge_of(&ctx) {
            #[derive(Deserialize)]
            struct Pr {
                number: u64,
                state: String,
            }
            // Every open pull request from the RC branch, or from a flow branch the train
            // opened one from.
            let mut heads = vec![r.rc_branch.clone()];
            heads.extend(ctx.config.train.flow.iter().cloned());
            for head in &heads {
                let Ok(Some(text)) = gh.lookup(&r.path, &Request::PrList { head, base: None })
                else {
                    continue;
                };
                let prs: Vec<Pr> = crate::forge::answer("gh pr list", &text).unwrap_or_default();
                let mine = head == &r.rc_branch || r.promotion.open_pr.is_some();
                for pr in prs.iter().filter(|p| p.state == "OPEN" && mine) {
                    let number = pr.number.to_string();
                    let _ = writeln!(out, "{}: close pull request #{number}", r.name);
                    if !dry_run {
                        let comment = format!("Release train {} was aborted.", m.train_id);
                        if let Err(e) = gh
                            .call(&r.path, &Request::PrClose { number: &number, comment: &comment })
                        {
                            ui.warn(&format!(
                                "{}: pull request #{number} could not be closed: {e}",
                                r.name
                            ));
                        }
                    }
                }
            }
        }
        if !r.rc_branch_deleted {
            let _ = writeln!(
                out,
                "{}: delete `{}` (at {}) locally and on `{}`",
                r.name,
                r.rc_branch,
                &r.rc_head[..12],
                r.remote
            );
            if !dry_run {
                for problem in super::promote::delete_rc_branch(&r) {
                    ui.warn(&problem);
                }
                m.repos[i].rc_branch_deleted = true;
                m.repos[i].promotion.open_pr = None;
                super::save(&path, &m)?;
            }
        }
        if !r.rc_tags.is_empty() {
            let _ = writeln!(out, "{}: keep the RC tags {}", r.name, r.rc_tags.join(", "));
        }
    }
    if dry_run {
        ui.data(&out)?;
        ui.status("dry run: nothing was changed");
        return Ok(());
    }
    m.transition(Lifecycle::Aborted, &who, "rc abort");
    super::save(&path, &m)?;
    ui.data(&out)?;
    ui.status(&format!("train {} is aborted; its RC tags are kept", m.train_id));
    Ok(())
}
