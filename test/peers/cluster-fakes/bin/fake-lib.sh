# Shared by the stub ctl programs: the fake cluster's state is a directory of small files ($CHEF_FAKE_STATE), written
# by test/peers/cluster-fakes/fake-cluster.ts; $CHEF_FAKE_HOST says which host this invocation runs on.
set -u
S="${CHEF_FAKE_STATE:?CHEF_FAKE_STATE is not set}"
ME="${CHEF_FAKE_HOST:?CHEF_FAKE_HOST is not set}"
mkdir -p "$S/down" "$S/syncing" "$S/pedant_fail"

now_ms() { date +%s%3N; }
get() { if [ -f "$S/$1" ]; then cat "$S/$1"; else printf '%s' "${2:-}"; fi; }
is_down() { [ -e "$S/down/$1.$2" ]; }
hosts() { get hosts 'be1 be2 be3'; }
count_hosts() { set -- $(hosts); echo $#; }

# A leader election scheduled by `stop postgresql` on the leader happens once its time has come.
resolve_pending() {
  if [ -f "$S/pending_leader" ] && [ "$(now_ms)" -ge "$(get pending_at 0)" ]; then
    cp "$S/pending_leader" "$S/leader"
    rm -f "$S/pending_leader" "$S/pending_at"
  fi
}

is_syncing() {
  local until
  [ -f "$S/syncing/$1" ] || return 1
  until=$(cat "$S/syncing/$1")
  [ "$until" = forever ] && return 0
  [ "$(now_ms)" -lt "$until" ]
}

# The next host after $1 (cyclic) whose postgresql is up: who leaderl would elect.
next_leader() {
  local all found=0 h
  all="$(hosts) $(hosts)"
  for h in $all; do
    if [ "$found" = 1 ] && [ "$h" != "$1" ] && ! is_down "$h" postgresql; then echo "$h"; return; fi
    [ "$h" = "$1" ] && found=1
  done
}
