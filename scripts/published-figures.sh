#!/usr/bin/env bash
# Regenerates the "Published experiments" tables of docs/scenarios.md: every
# scenario of workloads/scenarios/published/ under sync, arm64-v4 and
# x86-int-ack (apfsim compare --json), with and without the CPU-bound thread
# where the experiment has one.  Deterministic: one build prints one text.
# Needs perl's JSON::PP (in Debian's perl).  Usage:
#   scripts/published-figures.sh [BUILD] [--set KEY=VALUE ...]
set -euo pipefail
B=${1:-build}; shift || true
S=workloads/scenarios/published
P=sync,arm64-v4,x86-int-ack
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

table() {   # table TITLE SCENARIO [--set ...]
	local title=$1 sc=$2; shift 2
	"$B/apfsim" compare "$S/$sc" --protocols $P "$@" --json "$tmp/c.json" > /dev/null
	"$B/apfsim" compare "$S/$sc" --protocols sync --set host.arch=x86 "$@" --json "$tmp/x.json" > /dev/null
	echo; echo "#### $title"; echo
	echo "\`apfsim compare $S/$sc --protocols $P $*\` and, for the column \"sync (x86)\", the same with"
	echo "\`--protocols sync --set host.arch=x86\` (APF off on x86 trap costs: the baseline of x86-int-ack)"; echo
	perl -MJSON::PP -e '
	my $d = decode_json(do { local $/; open my $f, "<", $ARGV[0] or die; <$f> });
	my $x = decode_json(do { local $/; open my $f, "<", $ARGV[1] or die; <$f> });
	my @p = (@{ $d->{protocols} }, "sync (x86)");
	my %r = map { $_ => $d->{results}{$_} } @{ $d->{protocols} };
	$r{"sync (x86)"} = $x->{results}{sync};
	sub task { my ($r, $n) = @_; for (@{ $r->{tasks} }) { return $_ if $_->{name} eq $n } undef }
	sub secs { sprintf "%.3f s", $_[0] / 1e12 }
	my @rows;
	push @rows, ["simulated (total) time", map { secs($r{$_}{sim_time_ps}) } @p];
	if (task($r{$p[0]}, "memtest")) {
		push @rows, ["memtest end", map { my $t = task($r{$_}, "memtest");
			defined $t->{exit_ps} ? secs($t->{exit_ps}) : "running" } @p];
		push @rows, ["memtest stalled / parked", map { my $a = task($r{$_}, "memtest")->{account_ps};
			secs($a->{stalled}) . " / " . secs($a->{parked}) } @p];
	}
	if (my $c0 = task($r{$p[0]}, "compute")) {
		push @rows, ["compute iterations per simulated s", map { my $t = task($r{$_}, "compute");
			sprintf "%.1f", $t->{progress} / ($r{$_}{sim_time_ps} / 1e12) } @p];
	}
	push @rows, ["stage-2 faults: total (minor, of them swap-cache hits / major / async / repeated)", map { my $f = $r{$_}{host}{faults};
		"$f->{total} ($f->{minor}, $f->{swapcache_hits} / $f->{major} / $f->{async} / $f->{repeated})" } @p];
	push @rows, ["device reads (pages read)", map { my $w = $r{$_}{host}{swap};
		"$w->{read_requests} ($w->{pages_read})" } @p];
	push @rows, ["vCPU time blocked on swap-in", map { my ($io, $all) = (0, 0);
		for my $v (@{ $r{$_}{vcpus} }) { $io += $v->{account_ps}{host_io_wait};
			$all += $_ for values %{ $v->{account_ps} } }
		sprintf "%.1f %%", $all ? 100 * $io / $all : 0 } @p];
	if (my $m = $r{$p[0]}{migration}) {
		push @rows, ["postcopy requests (p50 latency)", map { my $m = $r{$_}{migration};
			sprintf "%d (%.3f ms)", $m->{postcopy_requests}, $m->{postcopy_request_latency_ps}{p50} / 1e9 } @p];
		push @rows, ["pages per second", map { sprintf "%.0f", $r{$_}{migration}{pages_per_s} } @p];
		push @rows, ["downtime", map { sprintf "%.3f ms", $r{$_}{migration}{downtime_ps} / 1e9 } @p];
	}
	push @rows, ["oracle violations", map { $r{$_}{oracle}{violations} } @p];
	$_ =~ s/^sync \(x86\)$/sync (x86)/ for @p;
	print "| | ", join(" | ", @p), " |\n|---|", "---|" x @p, "\n";
	print "| ", join(" | ", @$_), " |\n" for @rows;
	' "$tmp/c.json" "$tmp/x.json"
}

table "(a) 8 GiB guest, 2 GiB cgroup, memory test + CPU-bound thread" a-testsuite-8g.yaml "$@"
table "(a) without the thread" a-testsuite-8g.yaml --set tasks.compute.count=0 "$@"
table "(a) with untouched (absent) memory at start" a-testsuite-8g.yaml --set host.initial_state=absent "$@"
for l in 1GiB 2GiB 3GiB; do
	table "(b) 4 GiB guest, $l cgroup, memory test + CPU-bound thread" b-testsuite-4g.yaml --set host.memory_limit=$l "$@"
done
table "(b) 2 GiB cgroup, without the thread" b-testsuite-4g.yaml --set tasks.compute.count=0 "$@"
table "(c) 1 GiB guest, 512 MiB cgroup, looped memory test + thread" c-loop-1g.yaml "$@"
table "(c) without the thread" c-loop-1g.yaml --set tasks.compute.count=0 "$@"
table "(c) no limit" c-loop-1g.yaml --set host.memory_limit=none "$@"
table "(d) 24 vCPUs, parallel-build-like mix" d-build-24.yaml "$@"
table "(e) postcopy of (b)'s guest, 10 Gbit/s" e-postcopy-4g.yaml "$@"

# The sign of the headline depends on the swap device: (b) at 2 GiB on every preset.
echo; echo "#### (b) at 2 GiB on every swap device preset: compute thread rate and memory test time"; echo
echo "\`apfsim compare $S/b-testsuite-4g.yaml --protocols $P --set host.swap.device=DEV\`"; echo
echo "| device | sync: test time / compute it/s | arm64-v4 | x86-int-ack (with sync on x86 costs) | arm64-v4 compute gain | x86 compute gain |"
echo "|---|---|---|---|---|---|"
for dev in zram optane nvme sata-ssd sas-hdd; do
	"$B/apfsim" compare "$S/b-testsuite-4g.yaml" --protocols sync,arm64-v4 --set host.swap.device=$dev "$@" --json "$tmp/a.json" > /dev/null
	"$B/apfsim" compare "$S/b-testsuite-4g.yaml" --protocols sync,x86-int-ack --set host.arch=x86 --set host.swap.device=$dev "$@" --json "$tmp/x.json" > /dev/null
	perl -MJSON::PP -e '
	sub ld { decode_json(do { local $/; open my $f, "<", $_[0] or die; <$f> }) }
	my ($a, $x) = (ld($ARGV[0]), ld($ARGV[1]));
	sub rate { my $r = shift; for (@{ $r->{tasks} }) { return $_->{progress} / ($r->{sim_time_ps} / 1e12) if $_->{name} eq "compute" } 0 }
	sub cell { my $r = shift; sprintf "%.2f s / %.0f", $r->{sim_time_ps} / 1e12, rate($r) }
	my ($as, $aa, $xs, $xa) = map { $_->[0]{results}{$_->[1]} } [$a, "sync"], [$a, "arm64-v4"], [$x, "sync"], [$x, "x86-int-ack"];
	printf "| %s | %s | %s | %s (sync %s) | %+.1f %% | %+.1f %% |\n", $ARGV[2], cell($as), cell($aa), cell($xa), cell($xs),
		100 * (rate($aa) / rate($as) - 1), 100 * (rate($xa) / rate($xs) - 1);
	' "$tmp/a.json" "$tmp/x.json" $dev
done
