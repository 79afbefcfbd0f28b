(** * The routing law: the properties that need no concurrency.

    Companion of proofs/routing-law.md (its sections 3 to 6 cite these names).
    Four parts:
    - [Matching]: matching depends on H[0:|P|] alone, and a fingerprint,
      however lossy, is only a filter (guarantees 1 and 4).
    - [Lazy]: catching an actor up commit by commit, on first touch or by a
      scan visiting actors in any order and batches, shows exactly the serial
      execution (guarantee 3), for any per-actor step functions.
    - [Forest]: a cascade ends (forward moves are well-founded).
    - [ExactlyOnce]: the four due moments decide each (actor, deployment)
      pair at most once, and exactly once when it is due (guarantee 2), for
      any choice rule (order, match and landing are left abstract). *)

From Coq Require Import List Arith Lia Bool.
Import ListNotations.

(* ------------------------------------------------------------------------- *)
(** ** Matching *)

Section Matching.

Variable ev : Type.
Variable ev_eqb : ev -> ev -> bool.
Hypothesis ev_eqb_spec : forall x y, ev_eqb x y = true <-> x = y.

Fixpoint list_eqb (l m : list ev) : bool :=
  match l, m with
  | [], [] => true
  | x :: l', y :: m' => ev_eqb x y && list_eqb l' m'
  | _, _ => false
  end.

Lemma list_eqb_spec : forall l m, list_eqb l m = true <-> l = m.
Proof.
  induction l as [|x l IH]; destruct m as [|y m]; simpl; split; intro H;
    try congruence; try reflexivity.
  - apply andb_true_iff in H as [Hx Hl].
    apply ev_eqb_spec in Hx; apply IH in Hl; subst; reflexivity.
  - injection H as -> ->. apply andb_true_iff; split.
    + apply ev_eqb_spec; reflexivity.
    + apply IH; reflexivity.
Qed.

(** [prefix] mode: H[0:|P|] == P. [exact] mode: H == P. *)
Definition prefix_match (P H : list ev) : bool := list_eqb (firstn (length P) H) P.
Definition exact_match (P H : list ev) : bool := list_eqb H P.

(** Guarantee 1, last sentence: in prefix mode only H[0:|P|] matters. *)
Lemma prefix_match_depends_on_prefix_only :
  forall P H H', firstn (length P) H = firstn (length P) H' ->
  prefix_match P H = prefix_match P H'.
Proof. intros P H H' E. unfold prefix_match. rewrite E. reflexivity. Qed.

(** The two modes agree when |H| = |P| (the due moments 2, 3 and 4 with
    |P| = |H|), and differ only for histories longer than the path. *)
Lemma prefix_exact_agree_at_length :
  forall P H, length H = length P -> prefix_match P H = exact_match P H.
Proof.
  intros P H E. unfold prefix_match, exact_match.
  rewrite <- E, firstn_all. reflexivity.
Qed.

(** Any fingerprint function: nothing is assumed about collisions. *)
Variable fp : list ev -> nat.

(** What the implementation runs: the 64-bit comparison first, then the
    comparison of the event types. *)
Definition match_impl (P H : list ev) : bool :=
  (fp (firstn (length P) H) =? fp P) && prefix_match P H.

(** Guarantee 4: no actor is moved on a fingerprint match alone. *)
Theorem collision_safety :
  forall P H, match_impl P H = true -> firstn (length P) H = P.
Proof.
  unfold match_impl, prefix_match. intros P H M.
  apply andb_true_iff in M as [_ M]. apply list_eqb_spec; exact M.
Qed.

(** And the filter loses nothing: it equals the plain match, for every fp. *)
Theorem filter_is_exact :
  forall P H, match_impl P H = prefix_match P H.
Proof.
  intros P H. unfold match_impl.
  destruct (prefix_match P H) eqn:M.
  - unfold prefix_match in M. apply list_eqb_spec in M. rewrite M, Nat.eqb_refl. reflexivity.
  - apply andb_false_r.
Qed.

End Matching.

(* ------------------------------------------------------------------------- *)
(** ** Lazy materialisation equals the serial execution *)

Section Lazy.

(** An actor's state (version, history, snapshot, context, needs_rescue,
    decision records), an event, and actor names with decidable equality. *)
Variables st ev A : Type.
Variable A_eq_dec : forall x y : A, {x = y} + {x <> y}.

(** The law, per actor. [commit_step k s] applies commit k (moment 1, with
    its cascade seeing commits 1..k); [event_step c e s] handles an event
    with commits 1..c visible (moment 2, cascade); [spawn_step c s0] is
    moment 3. That they are functions of the actor's own state and of the
    commit number alone is guarantee 1; that is all this section needs. *)
Variable commit_step : nat -> st -> st.
Variable event_step : nat -> ev -> st -> st.
Variable spawn_step : nat -> st -> st.

(** Apply commits w+1, ..., w+n in order. *)
Fixpoint apply_range (w n : nat) (s : st) : st :=
  match n with
  | 0 => s
  | S n' => apply_range (S w) n' (commit_step (S w) s)
  end.

(** Catch up a record with watermark w to commit c. *)
Definition catch_up (w c : nat) (s : st) : st := apply_range w (c - w) s.

Lemma apply_range_split : forall n m w s,
  apply_range w (n + m) s = apply_range (w + n) m (apply_range w n s).
Proof.
  induction n as [|n IH]; intros m w s; simpl.
  - rewrite Nat.add_0_r. reflexivity.
  - rewrite IH. replace (S w + n) with (w + S n) by lia. reflexivity.
Qed.

Lemma apply_range_last : forall n w s,
  apply_range w (S n) s = commit_step (w + S n) (apply_range w n s).
Proof.
  intros n w s. replace (S n) with (n + 1) by lia.
  rewrite apply_range_split. simpl. f_equal. lia.
Qed.

Lemma catch_up_trans : forall w t c s, w <= t -> t <= c ->
  catch_up t c (catch_up w t s) = catch_up w c s.
Proof.
  intros w t c s H1 H2. unfold catch_up.
  replace (c - w) with ((t - w) + (c - t)) by lia.
  rewrite apply_range_split. f_equal. lia.
Qed.

Definition update (f : A -> st * nat) (a : A) (x : st * nat) : A -> st * nat :=
  fun b => if A_eq_dec b a then x else f b.

Definition update_s (f : A -> st) (a : A) (x : st) : A -> st :=
  fun b => if A_eq_dec b a then x else f b.

(** The operations of a log. [Scan a t] materialises commits up to t for
    a (any t between its watermark and now; the serial world ignores it).
    A read or a preview is a catch-up to now, so a [Scan a c]. *)
Inductive op :=
| Commit
| Event (a : A) (e : ev)
| Spawn (a : A) (s0 : st)
| Scan (a : A) (t : nat).

(** The serial reference: a commit decides every actor at once. *)
Definition serial (x : nat * (A -> st)) (o : op) : nat * (A -> st) :=
  let (c, sv) := x in
  match o with
  | Commit => (S c, fun a => commit_step (S c) (sv a))
  | Event a e => (c, update_s sv a (event_step c e (sv a)))
  | Spawn a s0 => (c, update_s sv a (spawn_step c s0))
  | Scan _ _ => (c, sv)
  end.

(** The implementation: a commit only counts; every touch catches up first;
    a new actor has seen every commit so far. *)
Definition lazy (x : nat * (A -> st * nat)) (o : op) : nat * (A -> st * nat) :=
  let (c, lv) := x in
  match o with
  | Commit => (S c, lv)
  | Event a e =>
      let (r, w) := lv a in (c, update lv a (event_step c e (catch_up w c r), c))
  | Spawn a s0 => (c, update lv a (spawn_step c s0, c))
  | Scan a t =>
      let (r, w) := lv a in
      if (w <=? t) && (t <=? c) then (c, update lv a (catch_up w t r, t)) else (c, lv)
  end.

(** The catch-up invariant: each record plus its watermark is the serial
    state minus the commits after the watermark, and no event reached the
    actor in between (every event catches it up first). *)
Definition agree (c : nat) (sv : A -> st) (lv : A -> st * nat) : Prop :=
  forall a, snd (lv a) <= c /\ sv a = catch_up (snd (lv a)) c (fst (lv a)).

Lemma agree_step : forall c sv lv o,
  agree c sv lv ->
  let (c1, sv1) := serial (c, sv) o in
  let (c2, lv1) := lazy (c, lv) o in
  c1 = c2 /\ agree c1 sv1 lv1.
Proof.
  intros c sv lv o Ag. destruct o as [ | a e | a s0 | a t]; simpl.
  - (* commit *)
    split; [reflexivity|]. intro b. destruct (Ag b) as [Hw Hs].
    split; [lia|]. rewrite Hs. unfold catch_up.
    replace (S c - snd (lv b)) with (S (c - snd (lv b))) by lia.
    rewrite apply_range_last. f_equal. lia.
  - (* event *)
    destruct (lv a) as [r w] eqn:La. split; [reflexivity|]. intro b.
    unfold update, update_s. destruct (A_eq_dec b a) as [->|ne]; simpl.
    + destruct (Ag a) as [_ Hs]. rewrite La in Hs. simpl in Hs. rewrite Hs.
      split; [lia|]. unfold catch_up. rewrite Nat.sub_diag. reflexivity.
    + apply Ag.
  - (* spawn *)
    split; [reflexivity|]. intro b.
    unfold update, update_s. destruct (A_eq_dec b a) as [->|ne]; simpl.
    + split; [lia|]. unfold catch_up. rewrite Nat.sub_diag. reflexivity.
    + apply Ag.
  - (* scan *)
    destruct (lv a) as [r w] eqn:La.
    destruct ((w <=? t) && (t <=? c)) eqn:T; simpl; split; try reflexivity; try exact Ag.
    apply andb_true_iff in T as [T1 T2]. apply Nat.leb_le in T1, T2.
    intro b. unfold update. destruct (A_eq_dec b a) as [->|ne]; simpl.
    + destruct (Ag a) as [_ Hs]. rewrite La in Hs. simpl in Hs.
      split; [lia|]. rewrite Hs. symmetry. apply catch_up_trans; lia.
    + apply Ag.
Qed.

Fixpoint run_serial (x : nat * (A -> st)) (log : list op) :=
  match log with [] => x | o :: l => run_serial (serial x o) l end.
Fixpoint run_lazy (x : nat * (A -> st * nat)) (log : list op) :=
  match log with [] => x | o :: l => run_lazy (lazy x o) l end.

(** Guarantee 3. After any log of commits, events, spawns and scans, every
    actor caught up to now (by its next touch: send, read, preview, or by the
    scan) is exactly the actor of the serial execution of the same log. *)
Theorem atomic_deployments : forall log c sv lv,
  agree c sv lv ->
  let (c1, sv1) := run_serial (c, sv) log in
  let (c2, lv1) := run_lazy (c, lv) log in
  c1 = c2 /\ forall a, catch_up (snd (lv1 a)) c2 (fst (lv1 a)) = sv1 a.
Proof.
  induction log as [|o log IH]; intros c sv lv Ag.
  - simpl. split; [reflexivity|]. intro a. symmetry. apply Ag.
  - cbn [run_serial run_lazy]. pose proof (agree_step c sv lv o Ag) as Hs.
    destruct (serial (c, sv) o) as [c1 sv1].
    destruct (lazy (c, lv) o) as [c2 lv1].
    destruct Hs as [-> Ag1]. apply IH. exact Ag1.
Qed.

(** At the start nothing is pending. *)
Lemma agree_init : forall sv, agree 0 sv (fun a => (sv a, 0)).
Proof. intros sv a. simpl. split; [lia|]. reflexivity. Qed.

(** Guarantee 1 for the scan: two logs that differ only in their scans (which
    actors are visited, in which order, in how many batches, how far) give
    the same observations. *)
Fixpoint no_scans (l : list op) : list op :=
  match l with
  | [] => []
  | Scan _ _ :: l' => no_scans l'
  | o :: l' => o :: no_scans l'
  end.

Lemma run_serial_no_scans : forall l x, run_serial x l = run_serial x (no_scans l).
Proof.
  induction l as [|o l IH]; intro x; [reflexivity|].
  destruct o; simpl; rewrite IH; try reflexivity. destruct x; reflexivity.
Qed.

Corollary scans_are_invisible : forall l1 l2 sv,
  no_scans l1 = no_scans l2 ->
  let (c1, lv1) := run_lazy (0, fun a => (sv a, 0)) l1 in
  let (c2, lv2) := run_lazy (0, fun a => (sv a, 0)) l2 in
  c1 = c2 /\
  forall a, catch_up (snd (lv1 a)) c1 (fst (lv1 a)) = catch_up (snd (lv2 a)) c2 (fst (lv2 a)).
Proof.
  intros l1 l2 sv E.
  pose proof (atomic_deployments l1 0 sv _ (agree_init sv)) as H1.
  pose proof (atomic_deployments l2 0 sv _ (agree_init sv)) as H2.
  rewrite run_serial_no_scans in H1. rewrite run_serial_no_scans, <- E in H2.
  destruct (run_serial (0, sv) (no_scans l1)) as [cs svs].
  destruct (run_lazy (0, fun a => (sv a, 0)) l1) as [c1 lv1].
  destruct (run_lazy (0, fun a => (sv a, 0)) l2) as [c2 lv2].
  destruct H1 as [<- H1], H2 as [<- H2]. split; [reflexivity|].
  intro a. rewrite H1, H2. reflexivity.
Qed.

End Lazy.

(* ------------------------------------------------------------------------- *)
(** ** Deployments, the forest, and exactly once *)

Section ExactlyOnce.

Variable ev : Type.

(** A deployment: its commit sequence number, which is also the id of the
    version it creates (the root is version 0), its parent, its path. *)
Record dep := { did : nat; dpar : nat; dpath : list ev }.

Variable D : list dep.
Variable N : nat.
Hypothesis D_nodup : NoDup (map did D).
(** A parent must already exist: it was committed before its child. *)
Hypothesis D_par : forall d, In d D -> dpar d < did d.
Hypothesis D_bound : forall d, In d D -> did d <= N.

(** *** The forest: a cascade ends. *)

Definition child_of (w v : nat) : Prop := exists d, In d D /\ did d = w /\ dpar d = v.

(** There is no infinite chain v0 -> v1 -> v2 ... of parent-to-child moves:
    each step raises the version id, which is bounded by N. (Depth in the
    forest would do as well; ids make the bound immediate.) *)
Theorem cascade_terminates : well_founded child_of.
Proof.
  apply (well_founded_lt_compat nat (fun v => N - v)).
  intros w v [d [Hd [<- <-]]].
  pose proof (D_par d Hd). pose proof (D_bound d Hd). lia.
Qed.

(** *** The decision procedure of one actor *)

Record st := { ver : nat; hist : list ev; recs : list nat }.

(** The choice among the deployments due at one moment: the ordering rule,
    the match and the landing, left abstract. It returns the version to
    migrate to, if any, which is one of the due deployments. All due ones
    get a record (stayed, migrated, stranded or superseded: which one is the
    same kind of function, and does not matter here). *)
Variable choose : list dep -> st -> option nat.
Hypothesis choose_in : forall due s w, choose due s = Some w -> In w (map did due).

Definition committed (c : nat) : list dep := filter (fun d => did d <=? c) D.

(** The due sets of the moments. *)
Definition on_parent_long_enough (s : st) (d : dep) : bool :=
  (dpar d =? ver s) && (length (dpath d) <=? length (hist s)).
Definition due_commit (d : dep) (s : st) : list dep :=
  if on_parent_long_enough s d then [d] else [].
Definition due_length (c : nat) (s : st) : list dep :=      (* moments 2 and 3 *)
  filter (fun d => (dpar d =? ver s) && (length (dpath d) =? length (hist s))) (committed c).
Definition due_arrive (c : nat) (s : st) : list dep :=      (* moment 4 *)
  filter (on_parent_long_enough s) (committed c).

Definition record (due : list dep) (s : st) : st :=
  {| ver := ver s; hist := hist s; recs := map did due ++ recs s |}.
Definition move (w : nat) (s : st) : st := {| ver := w; hist := hist s; recs := recs s |}.

(** Arrivals, with fuel; [cascade_terminates] is why fuel N is enough, and
    [arrive_ok] below uses exactly that. *)
Fixpoint arrive (fuel c : nat) (s : st) : st :=
  match fuel with
  | 0 => s
  | S f =>
      let due := due_arrive c s in
      match choose due s with
      | Some w => arrive f c (move w (record due s))
      | None => record due s
      end
  end.

Definition moment (c : nat) (due : list dep) (s : st) : st :=
  match choose due s with
  | Some w => arrive N c (move w (record due s))
  | None => record due s
  end.

(** The serial life of one actor: spawned on v at commit c, then a log. *)
Inductive aop := ACommit | AEvent (e : ev) | ANothing (* unhandled, refused, read *).

Definition spawn (c v : nat) : st :=
  let s := {| ver := v; hist := []; recs := [] |} in moment c (due_length c s) s.

Definition step (x : nat * st) (o : aop) : nat * st :=
  let (c, s) := x in
  match o with
  | ACommit =>
      match find (fun d => did d =? S c) D with
      | Some d => (S c, moment (S c) (due_commit d s) s)
      | None => (c, s)
      end
  | AEvent e =>
      let s' := {| ver := ver s; hist := hist s ++ [e]; recs := recs s |} in
      (c, moment c (due_length c s') s')
  | ANothing => (c, s)
  end.

(** A record is only ever written for a deployment that is due: committed,
    the actor on its parent, the history long enough. *)
Lemma due_sets_are_due : forall c s d,
  (In d (due_length c s) \/ In d (due_arrive c s)) ->
  In d (committed c) /\ dpar d = ver s /\ length (dpath d) <= length (hist s).
Proof.
  unfold due_length, due_arrive, on_parent_long_enough.
  intros c s d [H|H]; apply filter_In in H as [Hc H];
    apply andb_true_iff in H as [H1 H2]; apply Nat.eqb_eq in H1.
  - apply Nat.eqb_eq in H2. repeat split; auto. lia.
  - apply Nat.leb_le in H2. auto.
Qed.

(** *** The invariant

    (1) at most one record per deployment; (2) every record is for a
    committed deployment whose parent is the current version or one of
    its ancestors (ids grow along edges), and on the current version its
    path is no longer than the history; (3) every committed deployment
    that is due now has a record. *)
Definition Inv (c : nat) (s : st) : Prop :=
  NoDup (recs s) /\
  (forall x, In x (recs s) -> exists d, In d (committed c) /\ did d = x /\
       dpar d <= ver s /\ (dpar d = ver s -> length (dpath d) <= length (hist s))) /\
  (forall d, In d (committed c) -> dpar d = ver s ->
       length (dpath d) <= length (hist s) -> In (did d) (recs s)).

(** Just arrived on a version: every record is below it. *)
Definition ArrInv (c : nat) (s : st) : Prop :=
  NoDup (recs s) /\
  (forall x, In x (recs s) -> exists d, In d (committed c) /\ did d = x /\ dpar d < ver s).

(** Before a moment: the due set is exactly what is due and not recorded. *)
Definition MomInv (c : nat) (due : list dep) (s : st) : Prop :=
  NoDup (recs s) /\
  (forall x, In x (recs s) -> exists d, In d (committed c) /\ did d = x /\
       dpar d <= ver s /\ (dpar d = ver s -> length (dpath d) <= length (hist s))) /\
  NoDup (map did due) /\
  (forall d, In d due -> In d (committed c) /\ dpar d = ver s /\
       length (dpath d) <= length (hist s) /\ ~ In (did d) (recs s)) /\
  (forall d, In d (committed c) -> dpar d = ver s ->
       length (dpath d) <= length (hist s) -> In (did d) (recs s) \/ In d due).

(** *** List facts *)

Lemma nodup_map_filter : forall (f : dep -> bool) l,
  NoDup (map did l) -> NoDup (map did (filter f l)).
Proof.
  induction l as [|x l IH]; simpl; intro H; [constructor|].
  inversion H as [|? ? Hn Hl]; subst.
  destruct (f x); simpl; [constructor|]; auto.
  intro Hin. apply Hn. apply in_map_iff in Hin as [y [<- Hy]].
  apply filter_In in Hy as [Hy _]. apply in_map; exact Hy.
Qed.

Lemma did_inj : forall d d', In d D -> In d' D -> did d = did d' -> d = d'.
Proof.
  revert D_nodup. generalize D as l. induction l as [|x l IH]; simpl; [tauto|].
  intros Hnd d d' Hd Hd' E. inversion Hnd as [|? ? Hn Hl]; subst.
  destruct Hd as [<-|Hd], Hd' as [<-|Hd']; auto.
  - exfalso. apply Hn. rewrite E. apply in_map; exact Hd'.
  - exfalso. apply Hn. rewrite <- E. apply in_map; exact Hd.
Qed.

Lemma committed_In : forall c d, In d (committed c) <-> In d D /\ did d <= c.
Proof.
  intros c d. unfold committed. rewrite filter_In, Nat.leb_le. reflexivity.
Qed.

Lemma nodup_app_disjoint : forall (l m : list nat),
  NoDup l -> NoDup m -> (forall x, In x l -> ~ In x m) -> NoDup (l ++ m).
Proof.
  induction l as [|x l IH]; simpl; intros m Hl Hm Hd; [exact Hm|].
  inversion Hl as [|? ? Hn Hl']; subst. constructor.
  - rewrite in_app_iff. intros [H|H]; [contradiction|]. apply (Hd x); auto.
  - apply IH; auto.
Qed.

(** *** Arrivals, moments, steps *)

Lemma arrive_ok : forall f c s,
  ArrInv c s -> N <= f + ver s -> Inv c (arrive f c s).
Proof.
  induction f as [|f IH]; intros c s [Hnd Hrec] Hfuel; simpl.
  - (* no fuel left: the version is beyond every parent, nothing is due *)
    split; [exact Hnd|]. split.
    + intros x Hx. destruct (Hrec x Hx) as [d [Hd [Hx' Hp]]].
      exists d. repeat split; auto; lia.
    + intros d Hd Hp _. exfalso. apply committed_In in Hd as [Hd _].
      pose proof (D_par d Hd). pose proof (D_bound d Hd). lia.
  - set (due := due_arrive c s).
    assert (Hdue : forall d, In d due ->
              In d (committed c) /\ dpar d = ver s /\ length (dpath d) <= length (hist s))
      by (intros d Hd; apply due_sets_are_due; right; exact Hd).
    assert (Hnd' : NoDup (map did due ++ recs s)).
    { apply nodup_app_disjoint; auto.
      - apply nodup_map_filter, nodup_map_filter, D_nodup.
      - intros x Hx Hr. apply in_map_iff in Hx as [d [<- Hd]].
        destruct (Hrec _ Hr) as [d' [Hd' [E Hp]]].
        destruct (Hdue d Hd) as [Hdc [Hpd _]].
        apply committed_In in Hdc as [Hdc _]. apply committed_In in Hd' as [Hd' _].
        rewrite (did_inj d' d Hd' Hdc E) in Hp. lia. }
    destruct (choose due s) as [w|] eqn:Hch.
    + (* migrated to w: a child of the current version *)
      apply choose_in in Hch. apply in_map_iff in Hch as [dw [<- Hdw]].
      destruct (Hdue dw Hdw) as [Hdwc [Hpw _]].
      apply committed_In in Hdwc as [HdwD _]. pose proof (D_par dw HdwD) as Hlt.
      apply IH; [unfold ArrInv; simpl; split; [exact Hnd'|] | simpl; lia].
      intros x Hx. apply in_app_iff in Hx as [Hx|Hx].
      * apply in_map_iff in Hx as [d [<- Hd]]. destruct (Hdue d Hd) as [Hc [Hp _]].
        exists d. repeat split; auto. lia.
      * destruct (Hrec x Hx) as [d [Hd [Hx' Hp]]]. exists d. repeat split; auto. lia.
    + (* stayed or stranded: still on the version; everything due is recorded *)
      split; [exact Hnd'|]. simpl. split.
      * intros x Hx. apply in_app_iff in Hx as [Hx|Hx].
        -- apply in_map_iff in Hx as [d [<- Hd]]. destruct (Hdue d Hd) as [Hc [Hp Hl]].
           exists d. repeat split; auto. lia.
        -- destruct (Hrec x Hx) as [d [Hd [Hx' Hp]]]. exists d. repeat split; auto; lia.
      * intros d Hd Hp Hl. apply in_app_iff. left. apply in_map.
        unfold due, due_arrive. apply filter_In. split; [exact Hd|].
        unfold on_parent_long_enough. rewrite Hp, Nat.eqb_refl. simpl.
        apply Nat.leb_le; exact Hl.
Qed.

Lemma moment_ok : forall c due s, MomInv c due s -> Inv c (moment c due s).
Proof.
  intros c due s [Hnd [Hrec [Hndd [Hdue Hcomp]]]]. unfold moment.
  assert (Hnd' : NoDup (map did due ++ recs s)).
  { apply nodup_app_disjoint; auto.
    intros x Hx. apply in_map_iff in Hx as [d [<- Hd]]. apply (Hdue d Hd). }
  destruct (choose due s) as [w|] eqn:Hch.
  - apply choose_in in Hch. apply in_map_iff in Hch as [dw [<- Hdw]].
    destruct (Hdue dw Hdw) as [Hdwc [Hpw _]].
    apply committed_In in Hdwc as [HdwD _]. pose proof (D_par dw HdwD) as Hlt.
    apply arrive_ok; [unfold ArrInv; simpl; split; [exact Hnd'|] | simpl; lia].
    intros x Hx. apply in_app_iff in Hx as [Hx|Hx].
    + apply in_map_iff in Hx as [d [<- Hd]]. destruct (Hdue d Hd) as [Hc [Hp _]].
      exists d. repeat split; auto. lia.
    + destruct (Hrec x Hx) as [d [Hd [Hx' [Hp _]]]]. exists d. repeat split; auto. lia.
  - split; [exact Hnd'|]. simpl. split.
    + intros x Hx. apply in_app_iff in Hx as [Hx|Hx].
      * apply in_map_iff in Hx as [d [<- Hd]]. destruct (Hdue d Hd) as [Hc [Hp [Hl _]]].
        exists d. repeat split; auto. lia.
      * apply Hrec; exact Hx.
    + intros d Hd Hp Hl. apply in_app_iff.
      destruct (Hcomp d Hd Hp Hl) as [H|H]; [right; exact H|left; apply in_map; exact H].
Qed.

Lemma spawn_ok : forall c v, Inv c (spawn c v).
Proof.
  intros c v. unfold spawn. apply moment_ok.
  set (s := {| ver := v; hist := []; recs := [] |}).
  split; [constructor|]. split; [simpl; tauto|]. split.
  { apply nodup_map_filter. unfold committed. apply nodup_map_filter, D_nodup. }
  split.
  - intros d Hd. pose proof (due_sets_are_due c s d (or_introl Hd)) as [H1 [H2 H3]].
    repeat split; auto.
  - intros d Hd Hp Hl. right. unfold due_length. apply filter_In. split; [exact Hd|].
    simpl in *. rewrite Hp, Nat.eqb_refl. simpl. apply Nat.eqb_eq. lia.
Qed.

Lemma step_ok : forall c s o, Inv c s -> let (c', s') := step (c, s) o in Inv c' s'.
Proof.
  intros c s o [Hnd [Hrec Hcomp]]. destruct o as [ | e | ]; simpl.
  - (* commit of the deployment numbered c + 1 *)
    destruct (find (fun d => did d =? S c) D) as [dn|] eqn:Hf;
      [|split; [exact Hnd|split; assumption]].
    apply find_some in Hf as [HdnD Hid]. apply Nat.eqb_eq in Hid.
    apply moment_ok. split; [exact Hnd|]. split; [|split; [|split]].
    + intros x Hx. destruct (Hrec x Hx) as [d [Hd R]]. exists d. split; [|exact R].
      apply committed_In in Hd as [Hd Hle]. apply committed_In. split; [exact Hd|lia].
    + unfold due_commit. destruct (on_parent_long_enough s dn); simpl;
        [constructor; [simpl; tauto|constructor] | constructor].
    + intros d Hd. unfold due_commit in Hd.
      destruct (on_parent_long_enough s dn) eqn:Hc; [|contradiction].
      destruct Hd as [<-|[]]. unfold on_parent_long_enough in Hc.
      apply andb_true_iff in Hc as [H1 H2]. apply Nat.eqb_eq in H1. apply Nat.leb_le in H2.
      repeat split; auto.
      * apply committed_In. split; [exact HdnD|lia].
      * intro Hin. destruct (Hrec _ Hin) as [d' [Hd' [E _]]].
        apply committed_In in Hd' as [_ Hle]. lia.
    + intros d Hd Hp Hl. apply committed_In in Hd as [HdD Hle].
      destruct (Nat.eq_dec (did d) (S c)) as [E|NE].
      * right. rewrite <- Hid in E. rewrite (did_inj d dn HdD HdnD E).
        unfold due_commit, on_parent_long_enough.
        rewrite <- (did_inj d dn HdD HdnD E), Hp, Nat.eqb_refl. simpl.
        apply Nat.leb_le in Hl. rewrite Hl. simpl. left. reflexivity.
      * left. apply Hcomp; auto. apply committed_In. split; [exact HdD|lia].
  - (* a handled event: the history grows by one *)
    apply moment_ok.
    set (s' := {| ver := ver s; hist := hist s ++ [e]; recs := recs s |}).
    assert (Len : length (hist s') = S (length (hist s)))
      by (simpl; rewrite app_length; simpl; lia).
    split; [exact Hnd|]. split; [|split; [|split]].
    + intros x Hx. destruct (Hrec x Hx) as [d [Hd [Hx' [Hp Hl]]]].
      exists d. repeat split; auto. intro E. specialize (Hl E). rewrite Len. lia.
    + apply nodup_map_filter. unfold committed. apply nodup_map_filter, D_nodup.
    + intros d Hd. pose proof (due_sets_are_due c s' d (or_introl Hd)) as [H1 [H2 H3]].
      repeat split; auto. intro Hin.
      unfold due_length in Hd. apply filter_In in Hd as [_ Hd].
      apply andb_true_iff in Hd as [_ Heq]. apply Nat.eqb_eq in Heq.
      destruct (Hrec _ Hin) as [d' [Hd' [E [_ Hl]]]].
      apply committed_In in Hd' as [Hd' _]. apply committed_In in H1 as [H1 _].
      rewrite (did_inj d' d Hd' H1 E) in Hl. specialize (Hl H2). rewrite Len in Heq. lia.
    + intros d Hd Hp Hl. rewrite Len in Hl. simpl in Hp.
      destruct (Nat.eq_dec (length (dpath d)) (S (length (hist s)))) as [E|NE].
      * right. unfold due_length. apply filter_In. split; [exact Hd|].
        simpl. rewrite Hp, Nat.eqb_refl, app_length. simpl.
        apply Nat.eqb_eq. lia.
      * left. apply Hcomp; auto. lia.
  - split; [exact Hnd|split; assumption].
Qed.

Fixpoint run (x : nat * st) (log : list aop) : nat * st :=
  match log with [] => x | o :: l => run (step x o) l end.

(** Guarantee 2. After any log, an actor spawned on any version at any commit
    has at most one record per deployment, and a record for every committed
    deployment that is due for it now. Since the invariant holds after every
    step, a deployment is recorded at the first moment it is due; and by
    [due_sets_are_due], only then. *)
Theorem exactly_once : forall log c v,
  let (c', s) := run (c, spawn c v) log in
  NoDup (recs s) /\
  (forall d, In d (committed c') -> dpar d = ver s ->
     length (dpath d) <= length (hist s) -> In (did d) (recs s)).
Proof.
  intros log c v.
  assert (H : forall log x, Inv (fst x) (snd x) -> Inv (fst (run x log)) (snd (run x log))).
  { induction log0 as [|o l IH]; intros [c0 s0] H0; cbn [run]; [exact H0|].
    apply IH. pose proof (step_ok c0 s0 o H0) as Hs.
    destruct (step (c0, s0) o). exact Hs. }
  specialize (H log (c, spawn c v) (spawn_ok c v)).
  destruct (run (c, spawn c v) log) as [c' s]. destruct H as [H1 [_ H3]]. auto.
Qed.

End ExactlyOnce.
