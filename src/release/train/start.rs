//! `git release rc start` (issue 17 item 1): plans the train's versions as `plan` does,
//! shows them with the plan hash, asks the gate, writes the release manifest, cuts
//! `rc/<version>` from the release branch in every repository of the train and pushes it.
//!
//! Order matters for a crash: the manifest is written (`planning`) before any branch, and
//! saved after each branch, so what exists is always recorded; a branch already on the
//! remote at the base commit counts as cut. Nothing is forced.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;
use semver::Version;

use super::manifest::{self, Dependency, Lifecycle, Manifest, PackageEntry, RepoEntry};
use super::{Place, gates};
use crate::context::{Ctx, GlobalArgs};
use crate::error::{Error, ErrorCode};
use crate::git::cli::Git;
use crate::plan::{self, Plan};

/// What `rc start` was asked.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// `--version X.Y.Z`: every package of the train gets this version.
    pub version: Option<String>,
    /// `--bump LEVEL`.
    pub bump: Option<String>,
    /// `PKG…` (single repository only).
    pub packages: Vec<String>,
    /// `--yes`.
    pub yes: bool,
    /// `--gate-attestation HASH`.
    pub attestation: Option<String>,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--format json`.
    pub json: bool,
}

/// One repository, planned.
struct Planned {
    name: String,
    ctx: Ctx,
    plan: Plan,
    tier: usize,
    depends_on: Vec<String>,
}

/// Opens and plans every repository of the train: the one of `global`, or those of the
/// workspace file, with their tiers.
fn plan_all(global: &GlobalArgs, place: &Place, opts: &StartOptions) -> Result<Vec<Planned>> {
    let options = plan::Options {
        packages: opts.packages.clone(),
        bump: opts.bump.as_deref().map(crate::version::Level::from_flag),
        pre: None,
        strict: false,
    };
    let Some(file) = &place.workspace else {
        let ctx = Ctx::open(global)?;
        let root = super::workdir(&ctx)?;
        let plan = plan::build(&ctx.repo, &ctx.config, &options)?;
        let name = root
            .file_name()
            .map_or_else(|| "repository".to_owned(), |n| n.to_string_lossy().into_owned());
        return Ok(vec![Planned { name, ctx, plan, tier: 1, depends_on: Vec::new() }]);
    };
    if !opts.packages.is_empty() {
        return Err(Error::usage(
            "with `--workspace`, every repository's packages are planned; name no package",
        )
        .into());
    }
    let mut ws = crate::workspace::load(file)?;
    let mut provides: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut declared: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut opened = Vec::new();
    for repo in &ws.repos {
        let ctx = super::open(global, &repo.path)?;
        let plan = plan::build(&ctx.repo, &ctx.config, &options)?;
        let (names, deps) =
            crate::workspace::provides_and_declares(&repo.path, &plan.packages.list);
        provides.insert(repo.name.clone(), names);
        declared.insert(repo.name.clone(), deps);
        opened.push((repo.name.clone(), ctx, plan));
    }
    crate::workspace::infer_edges(&mut ws, &provides, &declared);
    let tiers = crate::workspace::tiers(&ws)?;
    let mut out: Vec<Planned> = opened
        .into_iter()
        .map(|(name, ctx, plan)| {
            let depends_on = ws
                .repos
                .iter()
                .find(|r| r.name == name)
                .map(|r| r.depends_on.clone())
                .unwrap_or_default();
            Planned { tier: tiers.get(&name).copied().unwrap_or(1), name, ctx, plan, depends_on }
        })
        .collect();
    out.sort_by_key(|p| p.tier);
    Ok(out)
}

/// The packages `plan` releases, at `version` when given.
fn entries(plan: &mut Plan, version: Option<&Version>) -> Vec<PackageEntry> {
    let formats: BTreeMap<String, crate::version::TagFormat> = plan
        .packages
        .list
        .iter()
        .filter_map(|p| p.tag_formats.first().map(|f| (p.name.clone(), f.clone())))
        .collect();
    let mut out = Vec::new();
    for row in plan.rows.iter_mut().filter(|r| r.status == plan::Status::Release) {
        let Some(format) = formats.get(&row.name) else { continue };
        if let Some(v) = version {
            row.next_version = Some(v.to_string());
            row.next_tag = Some(format.format(v));
        }
        out.push(PackageEntry {
            name: row.name.clone(),
            current_version: row.current_version.clone(),
            version: row.next_version.clone().unwrap_or_default(),
            tag: row.next_tag.clone().unwrap_or_default(),
            tag_format: format.pattern(),
        });
    }
    out
}

/// Runs `git release rc start`.
///
/// # Errors
/// A bad `--version`; nothing to release; a train already under way; a repository not on
/// its release branch or not in step with its remote; a declined gate (exit 4); a branch
/// the remote refuses.
pub fn start(global: &GlobalArgs, place: &Place, opts: &StartOptions) -> Result<()> {
    let forced = match &opts.version {
        Some(v) => {
            let parsed = Version::parse(v.trim_start_matches('v')).map_err(|e| {
                Error::usage(format!("`--version {v}` is not a semantic version: {e}"))
            })?;
            if !parsed.pre.is_empty() || !parsed.build.is_empty() {
                return Err(Error::usage(format!("`--version {v}` must be a stable version"))
                    .with_hint("the train tags its release candidates `X.Y.Z-rc.N` itself")
                    .into());
            }
            Some(parsed)
        }
        None => None,
    };
    let mut planned = plan_all(global, place, opts)?;
    let mut packages: Vec<Vec<PackageEntry>> = Vec::new();
    for p in &mut planned {
        packages.push(entries(&mut p.plan, forced.as_ref()));
    }
    let version = match &forced {
        Some(v) => v.clone(),
        None => packages
            .iter()
            .flatten()
            .filter_map(|p| Version::parse(&p.version).ok())
            .max()
            .ok_or_else(|| {
                Error::failed("nothing to release: no package of the train has releasable changes")
                    .with_hint("`git release plan` says why; `--bump LEVEL` or `--version X.Y.Z` forces one")
            })?,
    };
    let train_id = format!("v{version}");
    let path = place.path(&train_id);
    refuse_live_train(place, &train_id)?;
    let ui = planned[0].ctx.ui.clone();

    // Which repositories take part: those that release something.
    let mut repos = Vec::new();
    let mut hashes = BTreeMap::new();
    let mut shown = String::new();
    let _ = writeln!(shown, "release train {train_id}\n");
    let mut rows = Vec::new();
    for (p, pkgs) in planned.iter().zip(&packages) {
        if pkgs.is_empty() {
            ui.status(&format!("{}: nothing to release, left out of the train", p.name));
            continue;
        }
        let root = super::workdir(&p.ctx)?;
        let git = Git::new(&root);
        let config = &p.ctx.config;
        let base = p.plan.head.to_string();
        if p.ctx.repo.head_branch().as_deref() != Some(config.branch.as_str()) {
            return Err(Error::failed(format!(
                "{}: HEAD is not on the release branch `{}`, so the RC branch cannot be cut from it",
                p.name, config.branch
            ))
            .with_hint(format!("check out `{}` in `{}`", config.branch, root.display()))
            .into());
        }
        let remote_tip = gates::remote_branch(&git, &config.remote, &config.branch)?;
        if remote_tip.as_deref() != Some(base.as_str()) {
            return Err(Error::failed(format!(
                "{}: the local `{}` ({}) is not where `{}` has it ({})",
                p.name,
                config.branch,
                &base[..12],
                config.remote,
                remote_tip.as_deref().map_or("missing", |t| &t[..12.min(t.len())])
            ))
            .with_hint(format!(
                "push or pull `{}` first, so the train starts from what the remote has",
                config.branch
            ))
            .into());
        }
        let rc_branch = config.train.branch_of(&version.to_string());
        hashes.insert(p.name.clone(), p.plan.hash());
        for pkg in pkgs {
            rows.push([
                p.name.clone(),
                p.tier.to_string(),
                pkg.name.clone(),
                pkg.current_version.clone().unwrap_or_else(|| "-".to_owned()),
                pkg.version.clone(),
                rc_branch.clone(),
            ]);
        }
        repos.push(RepoEntry {
            name: p.name.clone(),
            path: root,
            remote: config.remote.clone(),
            release_branch: config.branch.clone(),
            tier: p.tier,
            depends_on: p.depends_on.clone(),
            base: base.clone(),
            rc_branch,
            rc_head: base,
            rc_tags: Vec::new(),
            packages: pkgs.clone(),
            promotion: manifest::Promotion::default(),
            rc_branch_deleted: false,
        });
    }
    let names: BTreeSet<String> = repos.iter().map(|r| r.name.clone()).collect();
    for r in &mut repos {
        r.depends_on.retain(|d| names.contains(d));
    }
    shown.push_str(&crate::ui::plain_table(
        ["repository", "tier", "package", "current", "next", "rc branch"],
        rows,
    ));
    let hash = if hashes.len() == 1 && place.workspace.is_none() {
        hashes.values().next().cloned().unwrap_or_default()
    } else {
        combined_hash(&hashes)
    };
    let dependencies: Vec<Dependency> = repos
        .iter()
        .flat_map(|r| {
            r.depends_on.iter().map(|d| Dependency { from: r.name.clone(), to: d.clone() })
        })
        .collect();
    let mut m = Manifest {
        schema_version: manifest::SCHEMA_VERSION,
        train_id: train_id.clone(),
        version: version.to_string(),
        workspace: place.workspace.clone(),
        plan_hash: hash.clone(),
        milestone: None,
        issues: Vec::new(),
        repos,
        dependencies,
        state: Lifecycle::Planning,
        transitions: Vec::new(),
        approvals: Vec::new(),
        rc_number: None,
        cadence: None,
    };
    if opts.dry_run {
        let mut out = shown.clone();
        let _ = writeln!(out, "\nplan {hash}");
        for r in &m.repos {
            let _ = writeln!(
                out,
                "{}: would create `{}` at {} and push it to `{}`",
                r.name,
                r.rc_branch,
                &r.base[..12],
                r.remote
            );
        }
        let _ = writeln!(out, "would write the manifest `{}`", path.display());
        if opts.json {
            let doc = serde_json::json!({"dry_run": true, "manifest_path": path, "manifest": m});
            ui.data(&format!("{}\n", serde_json::to_string_pretty(&doc)?))?;
        } else {
            ui.data(&out)?;
        }
        ui.status("dry run: nothing was changed");
        return Ok(());
    }
    let gate = crate::release::preflight::gate(
        &planned[0].ctx,
        &shown,
        &hash,
        opts.yes,
        opts.attestation.as_deref(),
    )?;
    let who = gate.who.clone();
    m.approvals.push(gate);
    m.transition(Lifecycle::Planning, &who, "rc start: planned");
    super::save(&path, &m)?;

    // The milestone named after the train, and its issues, in every repository's forge.
    let by_name: BTreeMap<&str, &Ctx> = planned.iter().map(|p| (p.name.as_str(), &p.ctx)).collect();
    for i in 0..m.repos.len() {
        let ctx = by_name[m.repos[i].name.as_str()];
        let Some(gh) = super::forge_of(ctx) else { continue };
        let root = m.repos[i].path.clone();
        gates::ensure_milestone(&gh, &root, &train_id)?;
        m.milestone = Some(train_id.clone());
        let issues = gates::milestone_issues(&gh, &root, &m.repos[i].name, &train_id)?;
        m.issues.extend(issues);
        super::save(&path, &m)?;
    }

    for i in 0..m.repos.len() {
        cut(&m.repos[i])?;
        ui.status(&format!(
            "{}: cut `{}` at {}",
            m.repos[i].name,
            m.repos[i].rc_branch,
            &m.repos[i].base[..12]
        ));
    }
    m.transition(Lifecycle::Development, &who, "rc start: RC branches cut and pushed");
    super::save(&path, &m)?;
    if opts.json {
        let doc = serde_json::json!({"manifest_path": path, "manifest": m});
        ui.data(&format!("{}\n", crate::error::redact(&serde_json::to_string_pretty(&doc)?)))?;
    } else {
        let _ = writeln!(shown, "\nplan {hash}\nmanifest {}", path.display());
        ui.data(&shown)?;
        ui.status(&format!("train {train_id} is in development: land fixes on the RC branches, then `git release rc tag`"));
    }
    Ok(())
}

/// Cuts `r.rc_branch` at `r.base` locally (when missing) and pushes it; a branch already
/// at the base, here or on the remote, counts as cut. Never forced.
fn cut(r: &RepoEntry) -> Result<()> {
    let git = Git::new(&r.path);
    match git.commit_of(&format!("refs/heads/{}", r.rc_branch)) {
        None => git.branch_create(&r.rc_branch, &r.base)?,
        Some(at) if at == r.base => {}
        Some(at) => {
            return Err(Error::failed(format!(
                "{}: the branch `{}` exists at {}, not at the base {}",
                r.name,
                r.rc_branch,
                &at[..12],
                &r.base[..12]
            ))
            .with_hint("rename or delete that branch if it is not needed, then start again")
            .into());
        }
    }
    git.push(&r.remote, &r.base, &format!("refs/heads/{}", r.rc_branch)).map_err(|e| {
        Error::coded(
            ErrorCode::PushRejected,
            format!("{}: `{}` refused `{}`: {e}", r.name, r.remote, r.rc_branch),
        )
        .with_hint("the remote may already have that branch at another commit; look at it, then start again")
    })?;
    Ok(())
}

/// A train under way in `place` (or a finished one with the same id, which is moved to
/// `trains/archive/` so its record stays) stops a new one.
fn refuse_live_train(place: &Place, id: &str) -> Result<()> {
    for (path, m) in manifest::list(&place.trains) {
        if !m.state.is_final() {
            return Err(Error::failed(format!(
                "train `{}` is under way here ({}), and only one train runs at a time",
                m.train_id,
                m.state.as_str()
            ))
            .with_hint(format!(
                "promote it (`git release rc promote {0}`) or abort it (`git release rc abort {0}`); its manifest is `{1}`",
                m.train_id,
                path.display()
            ))
            .into());
        }
        if m.train_id == id {
            archive(&place.trains, &path, id)?;
        }
    }
    Ok(())
}

fn archive(trains: &Path, path: &Path, id: &str) -> Result<PathBuf> {
    let dir = trains.join("archive");
    std::fs::create_dir_all(&dir)?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let to = dir.join(format!("{id}-{stamp}.json"));
    std::fs::rename(path, &to)?;
    Ok(to)
}

/// The train's hash over several repositories: SHA-256 over `name=hash` lines, sorted.
fn combined_hash(parts: &BTreeMap<String, String>) -> String {
    use sha2::{Digest as _, Sha256};
    let mut hasher = Sha256::new();
    for (name, hash) in parts {
        hasher.update(format!("{name}={hash}\n").as_bytes());
    }
    let mut text = String::from("sha256:");
    for byte in hasher.finalize().iter().take(6) {
        let _ = write!(text, "{byte:02x}");
    }
    text
}
