#!/bin/sh
# procsnap.sh — record /proc snapshots of a process and its descendants, for hosts without
# Node.js. Writes the layout `trace-analyze import` reads as format procfs (the same as
# `trace-analyze collect`):
#   OUT/<unix_ms>/meta                       hostname, clk_tck, pagesize, master_pid, snapshot times
#   OUT/<unix_ms>/proc/{stat,meminfo,uptime}
#   OUT/<unix_ms>/proc/<pid>/{stat,status,smaps_rollup,cmdline,io}
#   OUT/<unix_ms>/cgroup/{cpu.max,cpu.stat,cpu.pressure,memory.current,memory.max,memory.stat,
#                         memory.events,memory.pressure}   PID's cgroup v2 files, when there
# Files are copied byte for byte with cat; one that cannot be read is left out (missing, not
# empty). A snapshot is written under .<unix_ms>.partial and renamed when complete.
#
# usage: procsnap.sh PID OUT_DIR [INTERVAL_SECONDS [DURATION_SECONDS]]
# Stops when PID ends, after DURATION_SECONDS, or on Ctrl-C / SIGTERM (the snapshot in
# progress is finished first). Needs: POSIX sh, ps, awk, cat, mkdir, mv, sleep accepting
# fractions (GNU coreutils, busybox), and date +%s%3N for milliseconds (else whole seconds).
set -u

usage() { echo "usage: $0 PID OUT_DIR [INTERVAL_SECONDS [DURATION_SECONDS]]" >&2; exit 2; }
[ $# -ge 2 ] && [ $# -le 4 ] || usage
root=$1; out=$2; interval=${3:-1}; duration=${4:-}
case $root in ''|*[!0-9]*) usage ;; esac
[ -r "/proc/$root/stat" ] || { echo "$0: no process with pid $root" >&2; exit 1; }

now_ms() {
  t=$(date +%s%3N 2>/dev/null)
  case $t in ''|*[!0-9]*) t="$(date +%s)000" ;; esac
  echo "$t"
}

# pid and its descendants, from one ps listing
tree() {
  ps -e -o pid= -o ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END {
      keep[root] = 1; grew = 1
      while (grew) { grew = 0
        for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; grew = 1 } }
      for (p in keep) print p }'
}

alive() {
  [ -r "/proc/$1/stat" ] || return 1
  # field 3 after the last ")" is the state; Z (zombie) and X (dead) have ended
  state=$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)
  [ "$state" != Z ] && [ "$state" != X ]
}

# PID's cgroup v2 folder: its "0::<path>" line under the cgroup2 mount of mountinfo (not always
# /sys/fs/cgroup: hybrid hosts have it at /sys/fs/cgroup/unified). Prints "path dir", or nothing.
cgroup_of() {
  cg=$(sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null)
  case $cg in /*) ;; *) return 0 ;; esac
  awk -v path="$cg" '
    { for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { root = $4; mp = $5; found = 1 } break } }
    found {
      inside = path
      if (root != "/") {
        if (path == root) inside = "/"
        else if (index(path, root "/") == 1) inside = substr(path, length(root) + 1)
      }
      printf "%s %s%s\n", path, mp, (inside == "/" ? "" : inside)
      exit
    }' /proc/self/mountinfo
}

stop=0
trap 'stop=1' INT TERM
host=$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)
clk=$(getconf CLK_TCK 2>/dev/null || echo 100)
page=$(getconf PAGESIZE 2>/dev/null || echo 4096)
mkdir -p "$out" || exit 1
begin=$(now_ms)
n=0
while [ "$stop" = 0 ] && alive "$root"; do
  start=$(now_ms)
  if [ -n "$duration" ] && [ $((start - begin)) -ge $(awk -v d="$duration" 'BEGIN { printf "%d", d * 1000 }') ]; then
    break
  fi
  part="$out/.$start.partial"
  mkdir -p "$part/proc"
  for pid in $(tree "$root"); do
    [ -d "/proc/$pid" ] || continue
    mkdir -p "$part/proc/$pid"
    for f in stat status smaps_rollup cmdline io; do
      cat "/proc/$pid/$f" > "$part/proc/$pid/$f" 2>/dev/null || rm -f "$part/proc/$pid/$f"
    done
    rmdir "$part/proc/$pid" 2>/dev/null # only when nothing could be read (process gone)
  done
  for f in stat meminfo uptime; do
    cat "/proc/$f" > "$part/proc/$f" 2>/dev/null || rm -f "$part/proc/$f"
  done
  cgline=$(cgroup_of "$root")
  cgpath=${cgline%% *}; cgdir=$(printf '%b' "${cgline#* }") # mountinfo escapes spaces as \040
  if [ -n "$cgline" ] && [ -d "$cgdir" ]; then
    mkdir -p "$part/cgroup"
    for f in cpu.max cpu.stat cpu.pressure memory.current memory.max memory.stat memory.events memory.pressure; do
      cat "$cgdir/$f" > "$part/cgroup/$f" 2>/dev/null || rm -f "$part/cgroup/$f"
    done
    rmdir "$part/cgroup" 2>/dev/null # only when nothing could be read
  fi
  {
    printf 'hostname=%s\nclk_tck=%s\npagesize=%s\nmaster_pid=%s\nsnapshot_start_unix_ms=%s\nsnapshot_end_unix_ms=%s\nrecorder=procsnap.sh\n' \
      "$host" "$clk" "$page" "$root" "$start" "$(now_ms)"
    [ -n "$cgline" ] && printf 'cgroup=%s\n' "$cgpath"
  } > "$part/meta"
  mv "$part" "$out/$start"
  n=$((n + 1))
  # next snapshot at begin + n * interval (no drift); skip ahead when behind
  next=$(awk -v b="$begin" -v n="$n" -v i="$interval" 'BEGIN { printf "%.0f", b + n * i * 1000 }')
  delay=$((next - $(now_ms)))
  if [ "$delay" -gt 0 ] && [ "$stop" = 0 ]; then
    sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')" &
    wait $! 2>/dev/null || true
  fi
done
echo "$out: wrote $n snapshots" >&2
