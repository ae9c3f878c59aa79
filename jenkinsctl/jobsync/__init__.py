"""Make Jenkins follow the descriptors: read what Jenkins holds (`remote`), plan (data, `plan`),
diff (`normalize`), apply and prune (`apply`). The ownership marks are `jenkinsctl.jobgen.marks`.

No local cache: every decision comes from the ownership marks inside Jenkins (see
jenkinsctl/jobgen/marks.py), read with one `tree=` listing of the job folder. So a fresh machine
or a second seed agent never reconfigures unchanged jobs, and a sync interrupted half-way is
finished by the next one.

Rules:
- a generated job that is missing is created (folders first); one whose mark's config hash differs
  is updated; one that prune had disabled and that is wanted again is updated and re-enabled;
- an item without a mark (unmanaged) or with another namespace's mark is never modified: a wanted
  job whose name is taken that way is reported as a conflict;
- prune looks only at jobs marked with this namespace that are no longer generated: it disables
  them and records the date in the mark; after `prune_grace_days` it deletes them
  (`prune="delete"` deletes at once);
- folders are created when missing and never changed. Prune deletes a folder only when it carries
  this namespace's mark, is no longer generated, and is empty once this sync's deletions are done
  (no unmanaged item, no other namespace's item, no subfolder that stays): after its jobs, deepest
  first. While its jobs wait out the grace period it waits too ("wait"); one that holds items
  this namespace does not own is kept ("keep"). A folder without a mark is never deleted: folders
  jenkinsctl creates have always carried one, so an unmarked folder was made by someone else (it may
  hold their credentials or views) and is not adopted. The root folder is never deleted. Right
  before a folder is deleted it is read again: one no longer ours, no longer empty, or holding
  folder-scoped credentials (which deleting it would delete) is refused, as a failed change.
"""
