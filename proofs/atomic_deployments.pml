/*
 * atomic_deployments.pml: the guarantees of the routing law (design/routing-
 * law.md) that concern the lazy, concurrent materialisation of deployments,
 * checked exhaustively by spin within the bounds below: determinism across
 * paths, orders and batches (1), exactly once (2), atomic deployments (3),
 * collision safety (4, through the comparison with a reference that has no
 * fingerprints), one version forward only (5), preview fidelity (6).
 *
 * Two worlds run side by side, updated in the same indivisible steps:
 *
 *   the implementation  lazy, as the keep does it. A commit only advances the
 *                       commit counter. Each actor record carries a watermark
 *                       (the last commit applied to it). A background scan and
 *                       every operation that touches the actor catch it up
 *                       commit by commit; decisions are found by enumerating
 *                       the four due moments of the law; a match goes through
 *                       the fingerprint filter and is then confirmed.
 *
 *   the reference       the serial law, literally. At a commit every actor,
 *                       at an event or a spawn the actor concerned, is
 *                       settled at once: a deployment is
 *                       due when it is committed, the actor is on its parent,
 *                       |H| >= |P|, and it was never due before (no record);
 *                       matching compares event types directly.
 *
 * The order in which spin interleaves the steps *is* the global log of events
 * and commits, so the reference state is at every moment the serial outcome of
 * the log so far. Whenever the implementation has caught an actor up to the
 * current commit, the two must agree on everything observable.
 *
 * Bounds (also in proofs/routing-law.md, section 5):
 *   NA = 2 actors; each is spawned once (on v0, or on D1 once D1 is committed)
 *        and then sent NE = 3 events, each a or b, so |H| <= 3
 *   ND = 6 deployments, committed in the order D1..D6 (seq(Di) = i), each
 *        previewed before its commit (events may fall between the two)
 *   one scan process, batch size 1: a larger batch runs as one step what batch
 *        1 runs as consecutive steps, one of the interleavings already explored
 *   check.sh --big: NA = 3, NE = 2
 *
 * The forest (u: the event type that the version's definition does not
 * handle; a replay landing is valid when H contains no u of the target):
 *
 *   v0 root                                            u = none
 *   D1  parent v0  [a]    prefix                       u = none
 *   D2  parent D1  []     prefix (wildcard)            u = b     strands any H with b
 *   D3  parent D1  [a]    exact                        u = a     strands every match
 *   D4  parent D1  [b]    prefix                       u = none  matches nobody from v0
 *   D5  parent v0  [b,a]  prefix                       u = b     strands every match
 *   D6  parent v0  [b,a]  prefix (hotfix/rescue of D5) u = none
 *
 * Why this forest: a cascade only ever sees children that were committed
 * before the step it stands for, so the rich arrivals are those of an event on
 * v0 after D2..D4 exist: an actor reaching [a] lands on D1 and meets D4 (stayed),
 * D3 (stranded) and D2 (superseded) in that order, or D2 alone (migrated)
 * before D3 exists. D5/D6 give stranding at a commit and at an event, the
 * "most recent first" order, and a needs_rescue mark cleared by a later
 * commit. D2 at a spawn on D1 is moment 3. D3 at its commit leaves the longer
 * histories (exact mode). check.sh proves each of these is reached (probes).
 *
 * Mutations, each a -D flag; check.sh requires spin to catch every one:
 *   MUT_ONEGO      catch-up decides "everything due now" in one step
 *   MUT_NOCATCHUP  a send acts on the record without catching it up first
 *   MUT_FPONLY     a fingerprint match is trusted without confirmation
 */

#ifndef NA
#define NA 2            /* actors */
#endif
#ifndef NE
#define NE 3            /* sends per actor = bound on |H| */
#endif
#define ND 6            /* deployments D1..D6; version 0 is the root */
#define NV (ND + 1)
#define MAXP 2          /* longest path */

#define NS (2 * NA + 1) /* slots: 0..NA-1 implementation, NA..2NA-1 reference, 2NA scratch */
#define REF(a) (NA + (a))
#define SCRATCH (2 * NA)

#define EV_A 0
#define EV_B 1
#define EV_NONE 2

/* decision kinds */
#define NONE 0
#define MIGRATED 1
#define STAYED 2
#define STRANDED 3
#define SUPERSEDED 4

/* what makes a deployment due in the implementation: the four moments */
#define K_COMMIT 0      /* moment 1: only the deployment committed at this step */
#define K_EQ 1          /* moments 2 and 3: |P| == |H| after the event / at spawn */
#define K_ARRIVE 2      /* moment 4: |P| <= |H| on the version just reached */
#define K_ONEGO 3       /* the mutation: every deployment of (w, t] at once */

/* ---- the deployments (fixed data) ---- */
byte parent[NV];
byte plen[NV];
byte path[NV * MAXP];
bool exact[NV];
byte unh[NV];

/* ---- actor state, one slot per implementation record / reference actor ---- */
byte ver[NS];
byte hlen[NS];
byte hist[NS * NE];
byte strand[NS];        /* needs_rescue: 0, or the deployment that stranded it */
byte dec[NS * NV];      /* decision record per (actor, deployment) */
bool spawned[NS];
byte wm[NA];            /* implementation only: last commit applied */

byte committed;         /* the commit counter: D1..D<committed> are deployed */

/* preview of the deployment about to be committed, per actor */
bool pv_has[NA];
byte pv_ver[NA];
byte pv_len[NA];
byte pv_hist[NA * NE];
byte pv_kind[NA];
byte pv_final[NA];

/* temporaries of the indivisible steps; always left at 0 so they add no states */
byte t_d, t_pl, t_i, t_win, t_kind, t_w, t_p, t_a, t_e, t_w0;
bool t_due, t_m, t_ok, t_more;

/* ------------------------------------------------------------------------- */
/* Non-vacuity probes (run by check.sh). A model that never reaches a case
 * proves nothing about it, so each probe names a situation that must occur:
 * compiled with -DPROBE=n, its expression is asserted false at its point, and
 * spin must find a run that violates it. IMPL: an implementation record. */
#define IMPL (rc_s < NA)
#define AT_EVENT (t_kind == K_EQ && hlen[rc_s] > 0)
#define AT_SPAWN (t_kind == K_EQ && hlen[rc_s] == 0)
#if PROBE == 1    /* commit: migrated */
#define PROBE_REC (IMPL && t_kind == K_COMMIT && rc_k == MIGRATED)
#elif PROBE == 2  /* commit: stayed */
#define PROBE_REC (IMPL && t_kind == K_COMMIT && rc_k == STAYED)
#elif PROBE == 3  /* commit: stranded */
#define PROBE_REC (IMPL && t_kind == K_COMMIT && rc_k == STRANDED)
#elif PROBE == 4  /* event: migrated */
#define PROBE_REC (IMPL && AT_EVENT && rc_k == MIGRATED)
#elif PROBE == 5  /* event: stayed */
#define PROBE_REC (IMPL && AT_EVENT && rc_k == STAYED)
#elif PROBE == 6  /* event: stranded */
#define PROBE_REC (IMPL && AT_EVENT && rc_k == STRANDED)
#elif PROBE == 7  /* event: superseded (D5 by D6, most recent first) */
#define PROBE_REC (IMPL && AT_EVENT && rc_k == SUPERSEDED)
#elif PROBE == 8  /* spawn: migrated (D2, wildcard) */
#define PROBE_REC (IMPL && AT_SPAWN && rc_k == MIGRATED)
#elif PROBE == 9  /* arrival: migrated */
#define PROBE_REC (IMPL && t_kind == K_ARRIVE && rc_k == MIGRATED)
#elif PROBE == 10 /* arrival: stayed */
#define PROBE_REC (IMPL && t_kind == K_ARRIVE && rc_k == STAYED)
#elif PROBE == 11 /* arrival: stranded */
#define PROBE_REC (IMPL && t_kind == K_ARRIVE && rc_k == STRANDED)
#elif PROBE == 12 /* arrival: superseded (D2 after D3, longer path first) */
#define PROBE_REC (IMPL && t_kind == K_ARRIVE && rc_k == SUPERSEDED)
#elif PROBE == 13 /* exact mode leaves a longer history at the commit */
#define PROBE_REC (IMPL && t_kind == K_COMMIT && exact[rc_d] && rc_k == STAYED && hlen[rc_s] > plen[rc_d])
#elif PROBE == 14 /* a fingerprint collision, rejected by the confirmation */
#define PROBE_REC (IMPL && rc_k == STAYED && FP_H(rc_s, plen[rc_d]) == FP_P(rc_d))
#elif PROBE == 15 /* a needs_rescue mark cleared by a later deployment */
#define PROBE_REC (IMPL && rc_k == MIGRATED && strand[rc_s] != 0)
#elif PROBE == 16 /* catch-up over several pending commits, deciding at a later one */
#define PROBE_REC (IMPL && t_kind == K_COMMIT && wm[rc_s] >= t_w0 + 2)
#elif PROBE == 17 /* a scan that stops short of the current commit */
#define PROBE_SCAN (wm[sc_a] < committed)
#elif PROBE == 18 /* preview fidelity exercised: an unchanged actor migrates as shown */
#define PROBE_COMMIT (t_e && dec[REF(t_a) * NV + cm_c] == MIGRATED)
#elif PROBE == 19 /* the condition matters: a changed actor gets another decision */
#define PROBE_COMMIT (pv_has[t_a] && !t_e && dec[REF(t_a) * NV + cm_c] != pv_kind[t_a])
#elif PROBE == 20 /* a send refused because the actor needs rescue */
#define PROBE_SEND (strand[sd_a] != 0)
#elif PROBE == 21 /* an unhandled event */
#define PROBE_SEND (strand[sd_a] == 0 && !HANDLED(ver[sd_a], sd_e))
#endif
#ifndef PROBE_REC
#define PROBE_REC false
#endif
#ifndef PROBE_SCAN
#define PROBE_SCAN false
#endif
#ifndef PROBE_COMMIT
#define PROBE_COMMIT false
#endif
#ifndef PROBE_SEND
#define PROBE_SEND false
#endif

/* ------------------------------------------------------------------------- */
/* Pure functions of the definitions: not under test, shared by both worlds.  */

#define HANDLED(v, e) ((e) != unh[v])

/* Replay landing: the history is compliant when the target handles every
 * event of it. */
inline landing_valid(lv_s, lv_d) {
  t_ok = true;
  t_i = 0;
  do
  :: t_i < hlen[lv_s] -> if :: !HANDLED(lv_d, hist[(lv_s) * NE + t_i]) -> t_ok = false :: else fi; t_i++
  :: else -> break
  od;
  t_i = 0
}

/* The fingerprint is deliberately lossy: fp(H[0:k]) = first event type (or
 * EV_NONE for k = 0). It collides for [a,a] / [a,b], [b,b] / [b,a] and more, so
 * the model shows that collisions cannot move an actor. Only its one required
 * property is kept: equal sequences have equal fingerprints. */
#define FP_H(s, k)  ((k) == 0 -> EV_NONE : hist[(s) * NE])
#define FP_P(d)     (plen[d] == 0 -> EV_NONE : path[(d) * MAXP])

/* Exact comparison of event types, the match itself. */
inline confirm(cf_s, cf_d) {
  t_m = true;
  t_i = 0;
  do
  :: t_i < plen[cf_d] -> if :: hist[(cf_s) * NE + t_i] != path[(cf_d) * MAXP + t_i] -> t_m = false :: else fi; t_i++
  :: else -> break
  od;
  t_i = 0;
  if :: exact[cf_d] && hlen[cf_s] != plen[cf_d] -> t_m = false :: else fi
}

/* The implementation matches by the fingerprint first (a 64-bit comparison on
 * the stored chain), and confirms. */
inline match_impl(mi_s, mi_d) {
  if
  :: FP_H(mi_s, plen[mi_d]) != FP_P(mi_d) -> t_m = false
  :: else ->
#ifdef MUT_FPONLY
     t_m = !(exact[mi_d] && hlen[mi_s] != plen[mi_d])
#else
     confirm(mi_s, mi_d)
#endif
  fi
}

/* Writing a decision is where "at most once" and "only when due" are checked:
 * a record is never overwritten, and the actor is on the parent with a history
 * long enough, for a deployment visible at this step. */
inline record(rc_s, rc_d, rc_k, rc_lim) {
  assert(dec[(rc_s) * NV + rc_d] == NONE);
  assert(rc_d >= 1 && rc_d <= rc_lim && ver[rc_s] == parent[rc_d] && hlen[rc_s] >= plen[rc_d]);
  assert(!(PROBE_REC));
  dec[(rc_s) * NV + rc_d] = rc_k
}

/* Forward only: the single version variable moves along a parent-child edge. */
inline migrate(mg_s, mg_d) {
  assert(parent[mg_d] == ver[mg_s]);
  ver[mg_s] = mg_d;
  strand[mg_s] = 0
}

/* The implementation's due test for moment kind t_kind at version t_p. */
#define DUE_IMPL(s, d, c, lim) \
  ( parent[d] == t_p && hlen[s] >= plen[d] && \
    ( (t_kind == K_COMMIT && (d) == (c)) || \
      (t_kind == K_EQ && (d) <= (lim) && hlen[s] == plen[d]) || \
      (t_kind == K_ARRIVE && (d) <= (lim)) || \
      (t_kind == K_ONEGO && (d) > (c) && (d) <= (lim)) ) )

/* The reference's due test: the law's definition of "due", nothing else. */
#define DUE_REF(s, d, lim) \
  ( (d) <= (lim) && parent[d] == t_p && hlen[s] >= plen[d] && dec[(s) * NV + d] == NONE )

/* Decide one moment and follow the cascade. The due deployments are tried most
 * specific first: longer path, then more recent (higher seq). Before the first
 * match: stayed; the first match: migrated or stranded; after it: superseded.
 * A migration is at once an arrival (moment 4) on the child, seeing only the
 * deployments visible at this step (seq <= lim).
 *   isref: 1 for the reference (literal due test, direct comparison),
 *          0 for the implementation (moment kind t_kind, fingerprint filter).
 *   c:     for K_COMMIT the deployment committed; for K_ONEGO the watermark. */
inline decide(dc_s, dc_c, dc_lim, dc_isref) {
  t_more = true;
  do
  :: t_more ->
     t_p = ver[dc_s];
     t_win = 0;
     t_pl = MAXP + 1;
     do
     :: t_pl > 0 ->
        t_pl--;
        t_d = ND;
        do
        :: t_d > 0 ->
           if
           :: plen[t_d] == t_pl ->
              t_due = (dc_isref -> DUE_REF(dc_s, t_d, dc_lim) : DUE_IMPL(dc_s, t_d, dc_c, dc_lim));
              if
              :: t_due && t_win != 0 -> record(dc_s, t_d, SUPERSEDED, dc_lim)
              :: t_due && t_win == 0 ->
                 if :: dc_isref -> confirm(dc_s, t_d) :: else -> match_impl(dc_s, t_d) fi;
                 if :: t_m -> t_win = t_d :: else -> record(dc_s, t_d, STAYED, dc_lim) fi
              :: else
              fi
           :: else
           fi;
           t_d--
        :: else -> break
        od
     :: else -> break
     od;
     t_more = false;
     if
     :: t_win != 0 ->
        landing_valid(dc_s, t_win);
        if
        :: t_ok ->
           record(dc_s, t_win, MIGRATED, dc_lim);
           migrate(dc_s, t_win);
           t_kind = K_ARRIVE;
           t_more = true
        :: else ->
           record(dc_s, t_win, STRANDED, dc_lim);
           strand[dc_s] = t_win
        fi
     :: else
     fi
  :: else -> break
  od;
  t_more = false; t_p = 0; t_win = 0; t_pl = 0; t_d = 0; t_due = false;
  t_m = false; t_ok = false; t_kind = 0
}

/* ------------------------------------------------------------------------- */
/* The implementation.                                                        */

/* Apply commit c to a record whose watermark is c - 1. Catch-up invariant: no
 * event reached the actor since commit `w` (every event catches it up first), so
 * its history is the one it had at commit c, and only seq <= c is visible. */
inline impl_commit_step(ic_s, ic_c) {
  if
  :: ver[ic_s] == parent[ic_c] && hlen[ic_s] >= plen[ic_c] ->
     t_kind = K_COMMIT;
     decide(ic_s, ic_c, ic_c, 0)
  :: else
  fi
}

/* Catch up the record in slot s, watermark variable w, to commit t. */
inline catch_up(cu_s, cu_w, cu_t) {
#ifdef MUT_ONEGO
  if
  :: cu_w < cu_t -> t_kind = K_ONEGO; decide(cu_s, cu_w, cu_t, 0); cu_w = cu_t
  :: else
  fi
#else
  do
  :: cu_w < cu_t -> cu_w++; impl_commit_step(cu_s, cu_w)
  :: else -> break
  od
#endif
}

/* ------------------------------------------------------------------------- */
/* The reference: settle an actor with everything committed so far.          */

inline ref_settle(rs_s) {
  decide(rs_s, 0, committed, 1)
}

/* ------------------------------------------------------------------------- */
/* Checks.                                                                    */

/* Guarantee 3 at a touch: the caught-up record shows exactly what the serial
 * execution shows: version, history, needs_rescue, every decision record. */
inline same(sm_a) {
  assert(spawned[sm_a] == spawned[REF(sm_a)]);
  assert(ver[sm_a] == ver[REF(sm_a)] && hlen[sm_a] == hlen[REF(sm_a)] && strand[sm_a] == strand[REF(sm_a)]);
  t_i = 0;
  do
  :: t_i < NE -> assert(hist[(sm_a) * NE + t_i] == hist[REF(sm_a) * NE + t_i]); t_i++
  :: else -> break
  od;
  t_i = 1;
  do
  :: t_i < NV -> assert(dec[(sm_a) * NV + t_i] == dec[REF(sm_a) * NV + t_i]); t_i++
  :: else -> break
  od;
  t_i = 0
}

/* Guarantee 2, the "exactly one when due" half, on the reference after every
 * step: a committed deployment whose due condition holds now has a record.
 * Guarantee 5: the version is a valid id. */
inline ref_invariant() {
  t_a = 0;
  do
  :: t_a < NA ->
     assert(ver[REF(t_a)] < NV);
     if
     :: spawned[REF(t_a)] ->
        t_d = 1;
        do
        :: t_d <= committed ->
           assert(!(ver[REF(t_a)] == parent[t_d] && hlen[REF(t_a)] >= plen[t_d])
                  || dec[REF(t_a) * NV + t_d] != NONE);
           t_d++
        :: else -> break
        od
     :: else
     fi;
     t_a++
  :: else -> break
  od;
  t_a = 0; t_d = 0
}

/* ------------------------------------------------------------------------- */
/* Operations. Each is one indivisible step (d_step): per-actor operations are
 * serialised by the store, and the reference is updated in the same step.
 * The printf lines only show in replays of counterexamples (spin -t). */

inline op_spawn(sp_a, sp_v) {
  printf("spawn actor %d on v%d\n", sp_a, sp_v);
  /* implementation: a new actor has seen every commit so far */
  spawned[sp_a] = true; ver[sp_a] = sp_v;
  wm[sp_a] = committed;
  t_kind = K_EQ; decide(sp_a, 0, committed, 0);          /* moment 3 */
  /* reference */
  spawned[REF(sp_a)] = true; ver[REF(sp_a)] = sp_v;
  ref_settle(REF(sp_a));
  same(sp_a);
  ref_invariant()
}

inline op_send(sd_a, sd_e) {
  printf("send %c to actor %d\n", (sd_e == EV_A -> 'a' : 'b'), sd_a);
  /* implementation: catch up first, then handle */
#ifndef MUT_NOCATCHUP
  t_w0 = wm[sd_a];
  catch_up(sd_a, wm[sd_a], committed);
  t_w0 = 0;
#endif
  assert(!(PROBE_SEND));
  if
  :: strand[sd_a] == 0 && HANDLED(ver[sd_a], sd_e) ->
     hist[(sd_a) * NE + hlen[sd_a]] = sd_e; hlen[sd_a]++;
     t_kind = K_EQ; decide(sd_a, 0, committed, 0)          /* moment 2 */
  :: else                                               /* refused or unhandled */
  fi;
  /* reference */
  if
  :: strand[REF(sd_a)] == 0 && HANDLED(ver[REF(sd_a)], sd_e) ->
     hist[REF(sd_a) * NE + hlen[REF(sd_a)]] = sd_e; hlen[REF(sd_a)]++;
     ref_settle(REF(sd_a))
  :: else
  fi;
#ifndef MUT_NOCATCHUP
  /* Under the mutation this comparison would fail at once and prove little;
   * it is left out so that spin must find the lasting damage: the scan later
   * applies the skipped commits to a history that is now too long. */
  same(sd_a);
#endif
  ref_invariant()
}

/* The scan: materialise commits for one actor up to t (batch size 1). A scan
 * for deployment t may stop short of "now", leaving a watermark in between. */
inline op_scan(sc_a, sc_t) {
  printf("scan actor %d from commit %d up to %d\n", sc_a, wm[sc_a], sc_t);
  t_w0 = wm[sc_a];
  catch_up(sc_a, wm[sc_a], sc_t);
  t_w0 = 0;
  assert(!(PROBE_SCAN));
  if :: wm[sc_a] == committed -> same(sc_a) :: else fi
}

/* Preview of deployment c on a consistent snapshot of the store: read-only,
 * each record is caught up on a copy and c is decided as at its commit. */
inline op_preview(pv_c) {
  printf("preview D%d\n", pv_c);
  assert(committed == pv_c - 1);
  t_a = 0;
  do
  :: t_a < NA ->
     if
     :: spawned[t_a] ->
        ver[SCRATCH] = ver[t_a]; hlen[SCRATCH] = hlen[t_a]; strand[SCRATCH] = strand[t_a];
        t_e = 0;
        do :: t_e < NE -> hist[SCRATCH * NE + t_e] = hist[t_a * NE + t_e]; t_e++
           :: else -> break od;
        t_e = 1;
        do :: t_e < NV -> dec[SCRATCH * NV + t_e] = dec[t_a * NV + t_e]; t_e++
           :: else -> break od;
        t_w = wm[t_a];
        catch_up(SCRATCH, t_w, committed);
        pv_has[t_a] = true;
        pv_ver[t_a] = ver[SCRATCH]; pv_len[t_a] = hlen[SCRATCH];
        t_e = 0;
        do :: t_e < NE -> pv_hist[t_a * NE + t_e] = hist[SCRATCH * NE + t_e]; t_e++
           :: else -> break od;
        impl_commit_step(SCRATCH, pv_c);
        pv_kind[t_a] = dec[SCRATCH * NV + pv_c];
        pv_final[t_a] = ver[SCRATCH];
        /* leave no trace: the scratch slot adds no states */
        ver[SCRATCH] = 0; hlen[SCRATCH] = 0; strand[SCRATCH] = 0; t_w = 0;
        t_e = 0;
        do :: t_e < NE -> hist[SCRATCH * NE + t_e] = 0; t_e++
           :: else -> break od;
        t_e = 1;
        do :: t_e < NV -> dec[SCRATCH * NV + t_e] = 0; t_e++
           :: else -> break od;
        t_e = 0
     :: else
     fi;
     t_a++
  :: else -> break
  od;
  t_a = 0
}

/* The commit: the implementation only advances the counter (the scan and first
 * touches do the rest); the reference decides every actor at once.
 * Guarantee 6 is checked here: an actor whose version and history are those the
 * preview saw gets the decision, and the final version, the preview showed. */
inline op_commit(cm_c) {
  printf("commit D%d\n", cm_c);
  committed = cm_c;
  t_a = 0;
  do
  :: t_a < NA ->
     if
     :: spawned[REF(t_a)] ->
        t_ok = pv_has[t_a] && ver[REF(t_a)] == pv_ver[t_a] && hlen[REF(t_a)] == pv_len[t_a];
        t_e = 0;
        do :: t_e < NE -> t_ok = t_ok && hist[REF(t_a) * NE + t_e] == pv_hist[t_a * NE + t_e]; t_e++
           :: else -> break od;
        t_e = t_ok;                        /* t_ok is reused by the landing */
        ref_settle(REF(t_a));
        assert(!t_e || (dec[REF(t_a) * NV + cm_c] == pv_kind[t_a] && ver[REF(t_a)] == pv_final[t_a]));
        assert(!(PROBE_COMMIT))
     :: else
     fi;
     pv_has[t_a] = false; pv_ver[t_a] = 0; pv_len[t_a] = 0; pv_kind[t_a] = 0; pv_final[t_a] = 0;
     t_e = 0;
     do :: t_e < NE -> pv_hist[t_a * NE + t_e] = 0; t_e++
        :: else -> break od;
     t_e = 0;
     t_a++
  :: else -> break
  od;
  t_a = 0;
  ref_invariant()
}

/* ------------------------------------------------------------------------- */
/* Processes.                                                                 */

proctype Committer() {
  byte c = 1;
  do
  :: c <= ND ->
     d_step { op_preview(c) };
     d_step { op_commit(c) };
     c++
  :: else -> break
  od;
  c = 0
}

proctype Sender(byte a) {
  byte n = 0;
  byte e;
  /* where it is spawned: the root, or D1 once D1 exists (moment 3 with D2) */
  if
  :: d_step { op_spawn(a, 0) }
  :: d_step { committed >= 1 -> op_spawn(a, 1) }
  fi;
  do
  :: n < NE ->
     atomic {
       if :: e = EV_A :: e = EV_B fi;
       d_step { op_send(a, e); e = 0 }
     };
     n++
  :: else -> break
  od;
  n = 0
}

/* One scan for all deployments: it visits actors in any order, and may stop an
 * actor's catch-up at any commit between its watermark and now. Once the last
 * commit is done it may finish with a sweep (the order of that sweep is no
 * restriction: before it, any order of visits was possible). */
proctype Scanner() {
  byte a, t;
  do
  :: atomic {
       select(a : 0 .. NA - 1);
       if
       :: spawned[a] && wm[a] < committed ->
          t = wm[a] + 1;
          do :: t < committed -> t++ :: else -> break :: break od;
          op_scan(a, t)
       :: else
       fi;
       a = 0; t = 0
     }
  :: committed == ND -> break
  od;
  do
  :: a < NA ->
     d_step { if :: spawned[a] && wm[a] < ND -> op_scan(a, ND) :: else fi; a++ }
  :: else -> break
  od;
  a = 0
}

init {
  /* the forest */
  d_step {
    parent[0] = 0; plen[0] = 0; unh[0] = EV_NONE;
    parent[1] = 0; plen[1] = 1; path[1 * MAXP] = EV_A;                          unh[1] = EV_NONE;
    parent[2] = 1; plen[2] = 0;                                                 unh[2] = EV_B;
    parent[3] = 1; plen[3] = 1; path[3 * MAXP] = EV_A; exact[3] = true;         unh[3] = EV_A;
    parent[4] = 1; plen[4] = 1; path[4 * MAXP] = EV_B;                          unh[4] = EV_NONE;
    parent[5] = 0; plen[5] = 2; path[5 * MAXP] = EV_B; path[5 * MAXP + 1] = EV_A; unh[5] = EV_B;
    parent[6] = 0; plen[6] = 2; path[6 * MAXP] = EV_B; path[6 * MAXP + 1] = EV_A; unh[6] = EV_NONE
  };
  atomic {
    run Committer();
    t_a = 0;
    do
    :: t_a < NA -> run Sender(t_a); t_a++
    :: else -> break
    od;
    t_a = 0;
    run Scanner()
  };
  /* every process has ended: the scan has materialised everything */
  (_nr_pr == 1);
  d_step {
    assert(committed == ND);
    t_a = 0;
    do
    :: t_a < NA ->
       if
       :: spawned[t_a] ->
          assert(wm[t_a] == ND);
          same(t_a);
          /* exactly once, on the materialised records */
          t_d = 1;
          do
          :: t_d <= ND ->
             assert(!(ver[t_a] == parent[t_d] && hlen[t_a] >= plen[t_d]) || dec[t_a * NV + t_d] != NONE);
             t_d++
          :: else -> break
          od
       :: else
       fi;
       t_a++
    :: else -> break
    od;
    t_a = 0; t_d = 0
  }
}
