#!/usr/bin/env perl
# Regenerates every figure table the docs quote from a single run, and checks
# that the docs hold what the build prints.
#
# A generated block in a doc is delimited by
#   <!-- generated: ID (scripts/doc-figures.pl) -->
#   ...
#   <!-- end generated: ID -->
# and holds the command(s) that produced it and the table(s) built from their
# --json output (never from the text summary, whose layout may change).  Prose
# around a block is hand-written and quotes no figure the block does not hold.
#
# Usage: scripts/doc-figures.pl [--build DIR] [--check | --write | --print]
#                               [--only ID,...] [--skip ID,...]
#   --write  rewrite the blocks in place (default)
#   --check  regenerate, diff against the docs; exit 1 with the diff when stale
#   --print  print the regenerated blocks
# `--skip published` leaves out the published experiments (about 3 minutes,
# scripts/published-figures.sh); CI runs the rest (.ci/run), `make
# docs-check` runs everything.  Deterministic: one build prints one text.
# Needs only perl and JSON::PP (Debian's perl).
use strict;
use warnings;
use JSON::PP;
use File::Temp qw(tempdir);
use Getopt::Long;

my ($build, $mode, $only, $skip) = ("build", "write", "", "");
GetOptions("build=s" => \$build, "check" => sub { $mode = "check" },
	"write" => sub { $mode = "write" }, "print" => sub { $mode = "print" },
	"only=s" => \$only, "skip=s" => \$skip) or die "usage: $0 [--build DIR] [--check|--write|--print] [--only IDS] [--skip IDS]\n";
my $A = "$build/apfsim";
-x $A or die "$0: $A not found (build first, or --build DIR)\n";
my $S = "workloads/scenarios";
my @DOCS = ("docs/scenarios.md", "README.md", "docs/studies.md");
my $tmp = tempdir(CLEANUP => 1);
my $n = 0;

# ---- running apfsim ---------------------------------------------------------

sub slurp { my $f = shift; open my $h, "<", $f or die "$f: $!\n"; local $/; <$h> }

# compare SCENARIO PROTOCOLS SETS... -> { protocol => result }
sub compare {
	my ($sc, $protos, @sets) = @_;
	my $j = "$tmp/c" . $n++ . ".json";
	my $cmd = join " ", map { "'$_'" } $A, "compare", "$S/$sc", "--protocols", $protos, (map { ("--set", $_) } @sets), "--json", $j;
	system("$cmd > /dev/null");
	$? >> 8 <= 1 && -s $j or die "$0: $cmd failed\n";
	return decode_json(slurp($j))->{results};
}

# run SCENARIO SETS... (protocol via "--protocol=P" in SETS) -> (result, text
# the run printed); an oracle violation (exit 1) is a figure, not an error.
sub run {
	my ($sc, @args) = @_;
	my $j = "$tmp/r" . $n++ . ".json";
	my @a = map { /^--protocol=(.*)/ ? ("--protocol", $1) : ("--set", $_) } @args;
	my $cmd = join " ", map { "'$_'" } $A, "run", "$S/$sc", @a, "--json", $j, "--quiet";
	my $out = `$cmd 2>&1`;
	my $rc = $? >> 8;
	die "$0: apfsim run $sc failed (exit $rc):\n$out" if $rc > 1 || !-s $j;
	return (decode_json(slurp($j)), $out);
}

sub cmdline {   # the command as a reader types it
	my ($verb, $sc, @rest) = @_;
	return "`apfsim $verb $S/$sc" . join("", map { " $_" } @rest) . "`";
}
sub sets { map { "--set $_" } @_ }

# ---- formatting ---------------------------------------------------------------

sub int_ { my $v = sprintf "%.0f", shift; 1 while $v =~ s/^(-?\d+)(\d{3})/$1 $2/; $v }
# three significant digits in the unit apfsim's summary would use
sub dur {
	my $ps = shift;
	return "0" if !$ps;
	my ($v, $u) = $ps >= 1e12 ? ($ps / 1e12, "s") : $ps >= 1e9 ? ($ps / 1e9, "ms")
		: $ps >= 1e6 ? ($ps / 1e6, "µs") : ($ps / 1e3, "ns");
	my $d = $v >= 100 ? 0 : $v >= 10 ? 1 : 2;
	my $s = sprintf "%.${d}f", $v;
	if ($s =~ /^1000/ && $u ne "s") {   # 999.6 ms rounds to 1000 ms: one unit up
		return dur($ps >= 1e9 ? 1e12 : $ps >= 1e6 ? 1e9 : 1e6);
	}
	return "$s $u";
}
sub secs { sprintf "%.3f s", $_[0] / 1e12 }
sub pct { my ($a, $b) = @_; $b ? sprintf("%+.1f %%", 100 * ($a / $b - 1)) : "—" }
sub task {
	my ($r, $name) = @_;
	for (@{ $r->{tasks} }) { return $_ if $_->{name} eq $name }
	die "$0: no task $name in the run\n";
}
sub tasks_like { my ($r, $re) = @_; grep { $_->{name} =~ $re } @{ $r->{tasks} } }
sub sum { my $s = 0; $s += $_ for @_; $s }
sub oracle {
	my $r = shift;
	my $o = $r->{oracle};
	return "clean" if !$o->{violations};
	my $b = $o->{by_invariant};
	return join ", ", map { "**$_** ×$b->{$_}" } grep { $b->{$_} } sort keys %$b;
}
sub is_sync { $_[0]->{protocol} eq "sync" }
sub apf { my ($r, $f) = @_; is_sync($r) ? "—" : $f->($r) }

# table([[label, result], ...], [[label, sub(result, first result)], ...])
sub table {
	my ($cols, $rows) = @_;
	my $t = "| | " . join(" | ", map { $_->[0] } @$cols) . " |\n|---|" . ("---|" x @$cols) . "\n";
	for my $row (@$rows) {
		my ($label, $f) = @$row;
		$t .= "| $label | " . join(" | ", map { $f->($_->[1], $cols->[0][1]) } @$cols) . " |\n";
	}
	return $t;
}
sub cols { my ($res, @p) = @_; [map { [$_, $res->{$_}] } @p] }

# ---- the blocks -----------------------------------------------------------------

my %gen;
my @order;
sub block { my ($id, $f) = @_; push @order, $id; $gen{$id} = $f }

block "published" => sub {
	my $out = `scripts/published-figures.sh '$build'`;
	$? == 0 or die "$0: scripts/published-figures.sh failed\n";
	$out =~ s/^\n+//;
	return $out;
};

block "readme-demo" => sub {
	my $cmd = "'$A' run $S/quickstart.yaml";
	my @l = split /\n/, `$cmd`;
	$? == 0 or die "$0: $cmd failed\n";
	my $t = "```\n" . join("\n", @l[0 .. 4]) . "\n```\n";
	$t =~ s/\Q$build\E\/apfsim/apfsim/g;
	return $t;
};

block "quickstart" => sub {
	my $r = compare("quickstart.yaml", "sync,arm64-v4");
	return cmdline("compare", "quickstart.yaml", "--protocols sync,arm64-v4") . "\n\n" . table(cols($r, "sync", "arm64-v4"), [
		["simulated time", sub { secs($_[0]{sim_time_ps}) }],
		["hog finished at", sub { secs(task($_[0], "hog")->{exit_ps}) }],
		["hog stall (vCPU blocked in host)", sub { dur(task($_[0], "hog")->{stall_ps}) }],
		["hog parked (APF waits)", sub { apf($_[0], sub { dur(task($_[0], "hog")->{parked_ps}) }) }],
		["vCPU 0 idle", sub { dur($_[0]{vcpus}[0]{idle_ps}) }],
		["async faults / zero tokens", sub { apf($_[0], sub { int_($_[0]{apf}{async}) . " / " . int_($_[0]{apf}{tokens}{zero}) }) }],
	]);
};

sub testsuite_rows {
	my $compute = shift;
	return [
		["hog pages written", sub { int_(task($_[0], "hog")->{progress}) }],
		["hog stall", sub { dur(task($_[0], "hog")->{stall_ps}) }],
		["hog parked", sub { apf($_[0], sub { dur(task($_[0], "hog")->{parked_ps}) }) }],
		($compute ? (["compute iterations (against sync)", sub { my $c = task($_[0], "compute")->{progress};
			int_($c) . (is_sync($_[0]) ? "" : " (" . pct($c, task($_[1], "compute")->{progress}) . ")") }]) : ()),
		["device reads (pages read)", sub { int_($_[0]{host}{swap}{read_requests}) . " (" . int_($_[0]{host}{swap}{pages_read}) . ")" }],
		["minor faults (swap-cache hits)", sub { int_($_[0]{host}{faults}{minor}) . " (" . int_($_[0]{host}{faults}{swapcache_hits}) . ")" }],
		["async faults (zero tokens)", sub { apf($_[0], sub { int_($_[0]{apf}{async}) . " (" . int_($_[0]{apf}{tokens}{zero}) . ")" }) }],
		["exits", sub { int_(sum(map { $_->{exits} } @{ $_[0]{vcpus} })) }],
		["completion → page-ready p50 / p99", sub { apf($_[0], sub { my $h = $_[0]{apf}{completion_to_pageready_ps}; dur($h->{p50}) . " / " . dur($h->{p99}) }) }],
		["page-ready → task running p50", sub { apf($_[0], sub { dur($_[0]{apf}{pageready_to_running_ps}{p50}) }) }],
	];
}

block "testsuite-mem" => sub {
	my $r = compare("testsuite-mem.yaml", "sync,arm64-v4");
	my $r0 = compare("testsuite-mem.yaml", "sync,arm64-v4", "tasks.compute.count=0");
	return cmdline("compare", "testsuite-mem.yaml", "--protocols sync,arm64-v4") . "\n\n"
		. table(cols($r, "sync", "arm64-v4"), testsuite_rows(1))
		. "\nWithout the compute thread, " . cmdline("compare", "testsuite-mem.yaml", "--protocols sync,arm64-v4", sets("tasks.compute.count=0")) . ":\n\n"
		. table(cols($r0, "sync", "arm64-v4"), testsuite_rows(0));
};

# the x86 preset beside "sync (x86)": APF off on x86 trap costs
sub with_x86_sync {
	my ($sc, $protos, @sets) = @_;
	my $r = compare($sc, $protos, @sets);
	$r->{"sync (x86)"} = compare($sc, "sync", @sets, "host.arch=x86")->{sync};
	return $r;
}
sub x86_note {
	my ($sc, @sets) = @_;
	return "; the column \"sync (x86)\": the same with `--protocols sync"
		. join("", map { " --set $_" } @sets, "host.arch=x86") . "` (APF off on x86 trap costs, the baseline of x86-int-ack)";
}
# compute against the baseline of its own platform
sub gain_vs {
	my ($r, $res, $get) = @_;
	my $base = $r->{protocol} =~ /^x86/ ? $res->{"sync (x86)"} : $r->{protocol} eq "sync" && $r->{host}{trap_costs}{arch} =~ /x86/
		? undef : $res->{sync};
	return "" if !$base || $base == $r;
	return " (" . pct($get->($r), $get->($base)) . ")";
}

block "nvme-fast" => sub {
	my @P = ("sync", "arm64-v4", "x86-int-ack", "sync (x86)");
	my $r = with_x86_sync("nvme-fast.yaml", "sync,arm64-v4,x86-int-ack");
	my $z = with_x86_sync("nvme-fast.yaml", "sync,arm64-v4,x86-int-ack", "host.swap.device=zram");
	my $rows = sub { my $res = shift; [
		["compute iterations (against its platform's sync)", sub { my $c = task($_[0], "compute")->{progress};
			int_($c) . gain_vs($_[0], $res, sub { task($_[0], "compute")->{progress} }) }],
		["hog stall", sub { dur(task($_[0], "hog")->{stall_ps}) }],
		["hog parked", sub { apf($_[0], sub { dur(task($_[0], "hog")->{parked_ps}) }) }],
		["stage-2 faults: all / major / async", sub { int_($_[0]{host}{faults}{total}) . " / " . int_($_[0]{host}{faults}{major}) . " / " . int_($_[0]{host}{faults}{async}) }],
		["exits", sub { int_(sum(map { $_->{exits} } @{ $_[0]{vcpus} })) }],
		["completion → page-ready p99", sub { apf($_[0], sub { dur($_[0]{apf}{completion_to_pageready_ps}{p99}) }) }],
	] };
	return cmdline("compare", "nvme-fast.yaml", "--protocols sync,arm64-v4,x86-int-ack") . x86_note("nvme-fast.yaml") . "\n\n"
		. table(cols($r, @P), $rows->($r))
		. "\nOn zram, the same with `--set host.swap.device=zram`:\n\n"
		. table(cols($z, @P), $rows->($z));
};

block "kernel-mode" => sub {
	my @P = ("sync", "arm64-v4", "x86-int-ack", "sync (x86)");
	my $r = with_x86_sync("kernel-mode.yaml", "sync,arm64-v4,x86-int-ack");
	return cmdline("compare", "kernel-mode.yaml", "--protocols sync,arm64-v4,x86-int-ack") . x86_note("kernel-mode.yaml") . "\n\n"
		. table(cols($r, @P), [
		["async / synchronous faults (needing I/O)", sub { apf($_[0], sub { int_($_[0]{apf}{async}) . " / " . int_($_[0]{apf}{sync_total}) }) }],
		["of which synchronous because kernel mode", sub { apf($_[0], sub { int_($_[0]{apf}{sync}{kernel_mode}) }) }],
		["repeated faults", sub { apf($_[0], sub { int_($_[0]{apf}{repeated_faults}) }) }],
		["syscalls done (against its platform's sync)", sub { int_(task($_[0], "sys")->{progress})
			. gain_vs($_[0], $r, sub { task($_[0], "sys")->{progress} }) }],
		["sys stall / parked", sub { dur(task($_[0], "sys")->{stall_ps}) . " / " . dur(task($_[0], "sys")->{parked_ps}) }],
		["hog pages written", sub { int_(task($_[0], "hog")->{progress}) }],
		["hog stall / parked", sub { dur(task($_[0], "hog")->{stall_ps}) . " / " . dur(task($_[0], "hog")->{parked_ps}) }],
	]);
};

block "multi-vcpu" => sub {
	my @P = ("sync", "arm64-v4", "x86-int-ack", "sync (x86)");
	my $r = with_x86_sync("multi-vcpu.yaml", "sync,arm64-v4,x86-int-ack");
	return cmdline("compare", "multi-vcpu.yaml", "--protocols sync,arm64-v4,x86-int-ack") . x86_note("multi-vcpu.yaml") . "\n\n"
		. table(cols($r, @P), [
		["time until every task finished", sub { secs($_[0]{sim_time_ps}) }],
		["last task to finish", sub { (sort { $b->{exit_ps} <=> $a->{exit_ps} } @{ $_[0]{tasks} })[0]{name} }],
		["stall / parked, all tasks", sub { dur(sum(map { $_->{stall_ps} } @{ $_[0]{tasks} })) . " / "
			. dur(sum(map { $_->{parked_ps} } @{ $_[0]{tasks} })) }],
		["async faults", sub { apf($_[0], sub { int_($_[0]{apf}{async}) }) }],
		["page-ready → running p50", sub { apf($_[0], sub { dur($_[0]{apf}{pageready_to_running_ps}{p50}) }) }],
	]);
};

block "compare-quickstart" => sub {
	my @P = qw(sync arm64-v4 x86-int-ack x86-int-noack x86-legacy);
	my $r = with_x86_sync("compare-quickstart.yaml", join(",", @P));
	return cmdline("compare", "compare-quickstart.yaml", "--protocols " . join(",", @P)) . x86_note("compare-quickstart.yaml") . "\n\n"
		. table(cols($r, @P, "sync (x86)"), [
		["compute iterations", sub { int_(task($_[0], "compute")->{progress}) }],
		["compute against its platform's sync", sub { my $g = gain_vs($_[0], $r, sub { task($_[0], "compute")->{progress} });
			$g =~ s/^ \((.*)\)$/$1/; $g eq "" ? "—" : $g }],
		["hog pages written", sub { int_(task($_[0], "hog")->{progress}) }],
		["hog stall", sub { dur(task($_[0], "hog")->{stall_ps}) }],
		["async faults", sub { apf($_[0], sub { int_($_[0]{apf}{async}) }) }],
		["ACKs", sub { apf($_[0], sub { int_($_[0]{apf}{acks}) }) }],
		["page-ready → running p50", sub { apf($_[0], sub { dur($_[0]{apf}{pageready_to_running_ps}{p50}) }) }],
	]);
};

block "ack-race" => sub {
	my @P = qw(x86-int-noack x86-int-ack arm64-v4);
	my $r = compare("ack-race.yaml", join(",", @P));
	return cmdline("compare", "ack-race.yaml", "--protocols " . join(",", @P)) . "\n\n" . table(cols($r, @P), [
		["completion → page-ready p50", sub { dur($_[0]{apf}{completion_to_pageready_ps}{p50}) }],
		["completion → page-ready **p99**", sub { dur($_[0]{apf}{completion_to_pageready_ps}{p99}) }],
		["completion → page-ready max", sub { dur($_[0]{apf}{completion_to_pageready_ps}{max}) }],
		["reader parked p99", sub { dur($_[0]{apf}{parked_ps}{p99}) }],
		["page-ready delivered", sub { int_($_[0]{apf}{pageready_delivered}) }],
		["oracle", sub { oracle($_[0]) }],
	]);
};

sub first_violation {
	my $out = shift;
	my @l = grep { /^\[1\] / } split /\n/, $out;
	return @l ? "```\n$l[0]\n```\n" : "(no violation)\n";
}

block "token-wrap" => sub {
	my $r = compare("token-wrap.yaml", "arm64-v4,x86-int-ack");
	my ($nz, $out) = run("token-wrap.yaml", "--protocol=x86-int-ack", "protocol.token_zero_skip=false");
	$r->{"x86-int-ack, `token_zero_skip: false`"} = $nz;
	return cmdline("compare", "token-wrap.yaml", "--protocols arm64-v4,x86-int-ack") . ";\n"
		. cmdline("run", "token-wrap.yaml", "--protocol x86-int-ack", sets("protocol.token_zero_skip=false")) . "\n\n"
		. table(cols($r, "arm64-v4", "x86-int-ack", "x86-int-ack, `token_zero_skip: false`"), [
		["async faults", sub { int_($_[0]{apf}{async}) }],
		["zero tokens issued", sub { int_($_[0]{apf}{tokens}{zero}) }],
		["sequence wraps", sub { int_($_[0]{apf}{tokens}{wraps}) }],
		["compute iterations", sub { int_(task($_[0], "compute")->{progress}) }],
		["oracle", sub { oracle($_[0]) }],
	]) . "\nThe violation the last run reports:\n\n" . first_violation($out);
};

block "cpu-offline" => sub {
	my @runs = (["arm64-v4", []], ["arm64-v4, `driver_variant: offline_wake`", ["guest.driver_variant=offline_wake"]],
		["x86-int-ack", ["--protocol=x86-int-ack"]]);
	my (%r, $out0);
	for (@runs) {
		my ($res, $out) = run("cpu-offline.yaml", @{ $_->[1] });
		$r{ $_->[0] } = $res;
		$out0 //= $out;
	}
	return cmdline("run", "cpu-offline.yaml") . ", with " . cmdline("run", "cpu-offline.yaml", sets("guest.driver_variant=offline_wake"))
		. " and " . cmdline("run", "cpu-offline.yaml", "--protocol x86-int-ack") . "\n\n"
		. table(cols(\%r, map { $_->[0] } @runs), [
		["works flushed at the offline", sub { int_($_[0]{oracle}{counts}{flushed}) }],
		["oracle", sub { oracle($_[0]) }],
	]) . "\nThe first violation arm64-v4 reports:\n\n" . first_violation($out0);
};

block "postcopy" => sub {
	my @P = qw(sync arm64-v4 x86-int-ack);
	my $r = compare("postcopy.yaml", join(",", @P));
	my $mt = sub { my ($res, $name) = @_; for (@{ $res->{migration}{tasks} }) { return $_->{during} if $_->{name} eq $name } 0 };
	my $np = compare("postcopy.yaml", join(",", @P), "migration.postcopy_preempt=false");
	return cmdline("compare", "postcopy.yaml", "--protocols " . join(",", @P)) . "\n\n" . table(cols($r, @P), [
		["migration total (start → last page)", sub { secs($_[0]{migration}{total_ps}) }],
		["downtime (device state + rtt)", sub { dur($_[0]{migration}{downtime_ps}) }],
		["link carried", sub { sprintf "%.3f Gbit/s", $_[0]{migration}{effective_bytes_per_s} * 8 / 1e9 }],
		["urgent requests (p50 / p99 latency)", sub { my $m = $_[0]{migration};
			int_($m->{postcopy_requests}) . " (" . dur($m->{postcopy_request_latency_ps}{p50}) . " / " . dur($m->{postcopy_request_latency_ps}{p99}) . ")" }],
		["hog pages written *during* the migration", sub { my $v = $mt->($_[0], "hog");
			int_($v) . (is_sync($_[0]) ? "" : " (" . pct($v, $mt->($_[1], "hog")) . ")") }],
		["compute iterations *during* the migration", sub { my $v = $mt->($_[0], "compute");
			int_($v) . (is_sync($_[0]) ? "" : " (" . pct($v, $mt->($_[1], "compute")) . ")") }],
		["hog stall", sub { dur(task($_[0], "hog")->{stall_ps}) }],
		["oracle", sub { oracle($_[0]) }],
	]) . "\nWithout preempt, " . cmdline("compare", "postcopy.yaml", "--protocols " . join(",", @P), sets("migration.postcopy_preempt=false")) . ":\n\n"
	. table(cols($np, @P), [
		["urgent requests (p50 / p99 latency)", sub { my $m = $_[0]{migration};
			int_($m->{postcopy_requests}) . " (" . dur($m->{postcopy_request_latency_ps}{p50}) . " / " . dur($m->{postcopy_request_latency_ps}{p99}) . ")" }],
		["oracle", sub { oracle($_[0]) }],
	]);
};

block "precopy" => sub {
	my @v = (["as committed", []], ["QEMU's default throttle", ["migration.max_bandwidth=128MiB"]],
		["a writer ~20× faster (`write_cycles` 1024)", ["tasks.writer.write_cycles=1024"]],
		["2 GiB cgroup, 120 s", ["host.memory_limit=2GiB", "run.duration=120s"]]);
	my %r;
	$r{ $_->[0] } = (run("precopy.yaml", @{ $_->[1] }))[0] for @v;
	my ($mp) = run("migrate-pending.yaml");
	my $m = sub { $_[0]{migration} };
	return "`apfsim run $S/precopy.yaml` with " . join("; ", map { @{ $_->[1] } ? "$_->[0]: `" . join(" ", sets(@{ $_->[1] })) . "`" : () } @v) . "\n\n"
		. table(cols(\%r, map { $_->[0] } @v), [
		["result (or the phase the run ended in)", sub { $m->($_[0])->{result} }],
		["rounds", sub { int_($m->($_[0])->{precopy_rounds}) }],
		["dirty pages at the stop", sub { $m->($_[0])->{result} eq "completed" ? int_($m->($_[0])->{dirty_pages_last_round}) : "—" }],
		["downtime", sub { $m->($_[0])->{result} eq "completed" ? dur($m->($_[0])->{downtime_ps}) : "—" }],
		["migration total", sub { $m->($_[0])->{result} eq "completed" ? secs($m->($_[0])->{total_ps}) : "—" }],
		["pages the source read from swap", sub { int_($m->($_[0])->{source_swap_ins}) }],
		["oracle", sub { oracle($_[0]) }],
	]) . "\n" . cmdline("run", "migrate-pending.yaml") . "\n\n" . table([["migrate-pending.yaml", $mp]], [
		["works in flight dropped at the switch-over", sub { int_($_[0]{oracle}{counts}{flushed}) }],
		["wake-alls queued (boot, destination)", sub { int_($_[0]{oracle}{counts}{wake_all_queued}) }],
		["postcopy requests", sub { int_($m->($_[0])->{postcopy_requests}) }],
		["oracle", sub { oracle($_[0]) }],
	]);
};

# docs/studies.md's example study: the sweep as the doc gives it, medians over
# its two seeds, at the 512 MiB limit.
my $study_cmd = "apfsim sweep workloads/scenarios/testsuite-mem.yaml --set vm.memory=1GiB --set run.duration=8s"
	. " --vary host.swap.floor=50us,100us,200us,400us --vary host.memory_limit=512MiB,768MiB,1GiB"
	. " --protocols sync,arm64-v4,x86-int-ack --seeds 2 --jobs 2 --out study";
my %study;   # {floor}{limit}{protocol}{key} = median
sub study_run {
	return if %study;
	my $out = "$tmp/study";
	my $cmd = $study_cmd =~ s/^apfsim/'$A'/r =~ s/--out study/--out '$out'/r;
	system("$cmd > /dev/null 2>&1") == 0 or die "$0: $cmd failed\n";
	my $d = decode_json(slurp("$out/results.json"));
	my %v;
	for my $r (@{ $d->{runs} }) {
		$r->{status} eq "ok" or die "$0: study run $r->{index}: $r->{status} $r->{error}\n";
		my $p = $r->{params};
		push @{ $v{ $p->{"host.swap.floor"} }{ $p->{"host.memory_limit"} }{ $r->{protocol} }{$_} }, $r->{figures}{$_} // 0
			for keys %{ $r->{figures} };
	}
	for my $f (keys %v) { for my $l (keys %{ $v{$f} }) { for my $p (keys %{ $v{$f}{$l} }) { for my $k (keys %{ $v{$f}{$l}{$p} }) {
		my @s = sort { $a <=> $b } @{ $v{$f}{$l}{$p}{$k} };
		$study{$f}{$l}{$p}{$k} = @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2;
	} } } }
}

block "studies" => sub {
	study_run();
	# the 1 GiB limit swaps nothing, so every run there finishes: its
	# progress is the hog's total
	my $total = 0;
	for my $f (keys %study) { for my $p (keys %{ $study{$f}{"1GiB"} }) { my $h = $study{$f}{"1GiB"}{$p}{"hog.progress"}; $total = $h if $h > $total } }
	my $t = "`$study_cmd`: medians over the two seeds, memory limit 512 MiB\n\n"
		. "| swap floor | protocol | hog progress (pages) | compute progress | hog stall | faults async | fault latency p99 |\n"
		. "|---|---|---|---|---|---|---|\n";
	for my $f ("50us", "400us") {
		for my $p (qw(sync arm64-v4 x86-int-ack)) {
			my $s = $study{$f}{"512MiB"}{$p};
			(my $fl = $f) =~ s/us/ µs/;
			$t .= sprintf "| %s | %s | %s%s | %s | %.2f s | %s | %.1f µs |\n", $fl, $p, int_($s->{"hog.progress"}),
				$s->{"hog.progress"} == $total ? " (done)" : "", int_($s->{"compute.progress"}), $s->{"hog.stall_ps"} / 1e12,
				$p eq "sync" ? "–" : int_($s->{apf_async}), $s->{fault_latency_p99_ps} / 1e6;
		}
	}
	$t .= "\nThe same at the 768 MiB and 1 GiB limits, 50 µs floor:\n\n"
		. "| limit | protocol | hog progress (pages) | compute progress | hog stall |\n|---|---|---|---|---|\n";
	for my $l ("512MiB", "768MiB", "1GiB") {
		for my $p (qw(sync arm64-v4 x86-int-ack)) {
			my $s = $study{"50us"}{$l}{$p};
			(my $ll = $l) =~ s/(\d)([MG])/$1 $2/;
			$t .= sprintf "| %s | %s | %s | %s | %.2f s |\n", $ll, $p, int_($s->{"hog.progress"}), int_($s->{"compute.progress"}), $s->{"hog.stall_ps"} / 1e12;
		}
	}
	return $t;
};

block "single-fault" => sub {
	my $f = "tests/data/golden/single-fault.ftrace";
	my @l = split /\n/, slurp($f);
	return "`$f`: " . scalar(@l) . " lines\n";
};

# ---- the prose around the blocks ------------------------------------------------
# Prose is written by hand, so it cannot be regenerated; instead each block
# states, from its own tables, the figures its section's prose quotes
# (quote: the string must appear in the section outside the blocks) and the
# claims the prose makes (claim: must hold).  A new build that moves a quoted
# figure or turns a claim makes --check and --write fail, naming what to edit.

my %prose;
sub prose { my ($id, $f) = @_; $prose{$id} = $f }
my @problems;
my $cur_id = "";
my $cur_section = "";
sub quote {
	my ($s, $what) = @_;
	push @problems, "$cur_id: the prose should quote \"$s\" ($what)" if index($cur_section, $s) < 0;
}
sub claim {
	my ($ok, $what) = @_;
	push @problems, "$cur_id: the claim \"$what\" no longer holds: rewrite the prose" if !$ok;
}

# the markdown tables of a block: [{caption => text before it, cell => {row}{column}}]
sub tables {
	my $body = shift;
	my (@t, $hdr);
	my $cap = "";
	for my $l (split /\n/, $body) {
		if ($l =~ /^\|/) {
			next if $l =~ /^\|---/;
			my @c = split /\s*\|\s*/, $l;
			shift @c;
			if (!$hdr) { $hdr = [@c]; push @t, { caption => $cap, cell => {} }; next }
			$t[-1]{cell}{ $c[0] }{ $hdr->[$_] } = $c[$_] for 1 .. $#c;
		} else {
			($hdr, $cap) = (undef, "") if $hdr;
			$cap .= "$l\n";
		}
	}
	return \@t;
}
# cell(TABLES, CAPTION_RE, ROW_RE, COLUMN): the first match
sub cell {
	my ($t, $cap, $row, $col) = @_;
	for my $tb (@$t) {
		next unless $tb->{caption} =~ $cap;
		for my $r (sort keys %{ $tb->{cell} }) {
			return $tb->{cell}{$r}{$col} if $r =~ $row && defined $tb->{cell}{$r}{$col};
		}
	}
	die "$0: $cur_id: no cell $cap / $row / $col\n";
}
# the first number of a cell (spaces between digit groups removed), in ps for a duration
sub num {
	my $s = shift;
	$s =~ s/(?<=\d) (?=\d{3}\b)//g;
	$s =~ /(-?[\d.]+)\s*(s|ms|µs|ns)?/ or die "$0: $cur_id: no number in \"$s\"\n";
	my %u = (s => 1e12, ms => 1e9, "µs" => 1e6, ns => 1e3);
	return $2 ? $1 * $u{$2} : $1;
}

sub pctof { my ($a, $b) = @_; 100 * ($a / $b - 1) }
sub s1 { sprintf "%.1f s", num($_[0]) / 1e12 }
sub s2 { sprintf "%.2f s", num($_[0]) / 1e12 }

prose "published" => sub {
	my $t = shift;
	my $rate = sub { num(cell($t, $_[0], qr/^compute iterations/, $_[1])) };
	my $time = sub { num(cell($t, $_[0], qr/^simulated/, $_[1])) };
	my $a = qr/^#### \(a\) 8 GiB/m;
	for ([$a, "(a)"], [qr/\(b\) 4 GiB guest, 1GiB/, "(b) 1 GiB"], [qr/\(b\) 4 GiB guest, 2GiB/, "(b) 2 GiB"], [qr/^#### \(c\) 1 GiB/m, "(c)"]) {
		my $g = pctof($rate->($_->[0], "arm64-v4"), $rate->($_->[0], "sync"));
		claim($g > 15 && $g < 25, "with the thread, arm64-v4 runs it ~20 % faster in $_->[1]");
	}
	quote(sprintf("%s against %s iterations/s", int_($rate->($a, "arm64-v4")), int_($rate->($a, "sync"))), "(a), the thread's rate");
	my $soon = -pctof($time->($a, "arm64-v4"), $time->($a, "sync"));
	claim($soon > 40 && $soon < 50, "the test ends ~45 % sooner in (a)");
	quote(sprintf("%.1f s against %.1f s", $time->($a, "arm64-v4") / 1e12, $time->($a, "sync") / 1e12), "(a), test time");
	my $a0 = qr/^#### \(a\) without/m;
	for ([$a0, "(a)"], [qr/^#### \(b\) 2 GiB cgroup, without/m, "(b)"], [qr/^#### \(c\) without/m, "(c)"]) {
		claim($time->($_->[0], "arm64-v4") > $time->($_->[0], "sync"), "without the thread the test takes longer under arm64-v4 in $_->[1]");
	}
	quote(sprintf("%.0f %% *longer*", pctof($time->($a0, "arm64-v4"), $time->($a0, "sync"))), "(a) without the thread");
	quote(sprintf("%.1f s against %.1f s", $time->($a0, "arm64-v4") / 1e12, $time->($a0, "sync") / 1e12), "(a) without the thread");
	for ([qr/^#### \(a\) with untouched/m, "(a) absent"], [qr/^#### \(c\) no limit/m, "(c) no limit"]) {
		claim($time->($_->[0], "arm64-v4") == $time->($_->[0], "sync"), "APF does nothing in $_->[1]");
	}
	quote(s1(cell($t, qr/^#### \(a\) with untouched/m, qr/^simulated/, "sync")), "(a) absent");
	my $dev = sub { num(cell($t, qr/every swap device/, qr/^\Q$_[0]\E$/, $_[1] eq "arm" ? "arm64-v4 compute gain" : "x86 compute gain")) };
	claim(abs($dev->("zram", "arm")) < 0.1 && abs($dev->("zram", "x86")) < 0.1, "on zram APF is never engaged");
	claim(abs($dev->("optane", "arm")) < 10, "on Optane it is about even for arm64-v4");
	claim($dev->("optane", "x86") < 0, "on Optane x86-int-ack costs the thread");
	quote(sprintf("%+.1f %%", $dev->("optane", "arm")), "optane arm64-v4 gain");
	quote(sprintf("%.0f %%", -$dev->("optane", "x86")), "optane x86 loss");
	claim($dev->($_, "arm") > 10 && $dev->($_, "x86") > 10, "from NAND NVMe on it gains ($_)") for qw(nvme sata-ssd);
	claim($dev->("sas-hdd", "arm") > 90 && $dev->("sas-hdd", "x86") > 90, "on a disk the thread runs at twice the rate");
	my $d = qr/^#### \(d\)/m;
	my @d = map { $time->($d, $_) } "arm64-v4", "x86-int-ack", "sync", "sync (x86)";
	claim(-pctof($d[0], $d[2]) > 5 && -pctof($d[0], $d[2]) < 15 && -pctof($d[1], $d[3]) > 5 && -pctof($d[1], $d[3]) < 15,
		"(d): both APF presets finish about 10 % sooner than their sync baselines");
	quote(sprintf("%.2f s and %.2f s against %.2f s and %.2f s", map { $_ / 1e12 } @d), "(d) times");
	my $e = qr/^#### \(e\)/m;
	quote(sprintf("%.1f ms p50", num(cell($t, $e, qr/^postcopy requests/, "sync")) ? num((cell($t, $e, qr/^postcopy requests/, "sync") =~ /\(([^)]*)\)/)[0]) / 1e9 : 0), "(e) request latency");
	quote(sprintf("runs\n  %.0f %% (arm64) and %.0f %% (x86, against sync (x86))", pctof($rate->($e, "arm64-v4"), $rate->($e, "sync")),
		pctof($rate->($e, "x86-int-ack"), $rate->($e, "sync (x86)"))), "(e) thread gains");
	quote(sprintf("%.0f k\n  pages/s", num(cell($t, $e, qr/^pages per second/, "sync")) / 1000), "(e) stream rate");
	quote(sprintf("downtime (%.2f ms)", num(cell($t, $e, qr/^downtime/, "sync")) / 1e9), "(e) downtime");
};

prose "quickstart" => sub {
	my $t = shift;
	my ($s, $a) = map { num(cell($t, qr//, qr/^hog finished/, $_)) } "sync", "arm64-v4";
	claim($a >= $s, "the hog finishes no sooner under arm64-v4");
	quote(sprintf("%.3f s against %.3f s", $a / 1e12, $s / 1e12), "hog end");
};

prose "testsuite-mem" => sub {
	my $t = shift;
	my $reads = num(cell($t, qr//, qr/^device reads/, "arm64-v4"));
	my $hits = num(cell($t, qr//, qr/^minor faults/, "arm64-v4") =~ s/.*\(//r);
	claim(abs($hits / $reads - 7) < 0.1, "one device read per 8 pages, the other 7 swap-cache hits");
	quote((cell($t, qr//, qr/^compute iterations/, "arm64-v4") =~ /\((.*)\)/)[0], "compute gain");
};

prose "nvme-fast" => sub {
	my $t = shift;
	my $opt = qr/^`apfsim/;
	my $z = qr/zram/;
	my $g = sub { my $c = cell($t, $_[0], qr/^compute iterations/, $_[1]); $c =~ /\(([-+][\d.]+) %\)/ ? $1 : 0 };
	claim(abs($g->($opt, "arm64-v4")) < 5 && abs($g->($opt, "x86-int-ack")) < 5, "on optane APF roughly breaks even");
	claim(num(cell($t, $z, qr/^stage-2 faults/, $_) =~ s/.* \/ //r) == 0, "on zram no fault goes async ($_)") for qw(arm64-v4 x86-int-ack);
	my ($all, $maj, $async) = split m{ / }, cell($t, $opt, qr/^stage-2 faults/, "arm64-v4");
	claim(abs(num($all) / num($async) - 16) < 0.5, "only one fault in 16 needs an async PF");
	quote("($async of $all)", "optane async faults of all");
	quote(sprintf("(%s of them)", (split m{ / }, cell($t, $z, qr/^stage-2 faults/, "sync"))[1]), "zram major faults");
};

prose "kernel-mode" => sub {
	my $t = shift;
	my ($as, $sy) = split m{ / }, cell($t, qr//, qr/^async \/ synchronous/, "arm64-v4");
	claim(num($sy) == num(cell($t, qr//, qr/^of which synchronous because kernel/, "arm64-v4")), "on arm64 every synchronous fault is a kernel-mode one");
	claim(num((split m{ / }, cell($t, qr//, qr/^async \/ synchronous/, "x86-int-ack"))[1]) == 0, "no kernel fault goes synchronous on x86");
	claim(num(cell($t, qr//, qr/^repeated/, "x86-int-ack")) > 0, "x86 retries fault again on the same gfn");
	my $sys = sub { num(cell($t, qr//, qr/^syscalls/, $_[0])) };
	claim($sys->("arm64-v4") > $sys->("sync") && $sys->("x86-int-ack") > $sys->("sync (x86)"), "APF gives the syscall task more of the vCPU");
	quote(sprintf("%.1f×", $sys->("arm64-v4") / $sys->("sync")), "arm64 syscalls against sync");
	quote(sprintf("%.1f×", $sys->("x86-int-ack") / $sys->("sync (x86)")), "x86 syscalls against sync (x86)");
};

prose "multi-vcpu" => sub {
	my $t = shift;
	my $tm = sub { num(cell($t, qr//, qr/^time until/, $_[0])) };
	my ($ga, $gx) = (pctof($tm->("arm64-v4"), $tm->("sync")), pctof($tm->("x86-int-ack"), $tm->("sync (x86)")));
	claim($ga > 0 && $gx > 0, "APF adds time rather than saving it");
	claim($tm->("x86-int-ack") < $tm->("sync"), "x86-int-ack ends before plain sync");
	quote(sprintf("%.1f %% after sync", $ga), "arm64-v4 against sync");
	quote(sprintf("%.1f %% after sync (x86)", $gx), "x86-int-ack against sync (x86)");
};

prose "compare-quickstart" => sub {
	my $t = shift;
	my $g = sub { cell($t, qr//, qr/^compute against/, $_[0]) };
	quote($g->("arm64-v4") . " compute for arm64", "arm64 gain");
	quote($g->("x86-int-ack") . " for x86-int-ack", "x86 gain");
	my $hog = sub { num(cell($t, qr//, qr/^hog pages/, $_[0])) };
	claim($hog->("arm64-v4") > $hog->("sync") && $hog->("x86-int-ack") > $hog->("sync (x86)"), "the hog gains too");
	my $c = sub { num(cell($t, qr//, qr/^compute iterations/, $_[0])) };
	claim($c->("x86-int-noack") >= $c->("x86-int-ack") && $c->("x86-legacy") >= $c->("x86-int-ack"), "the ACK-less variants look fastest");
};

prose "ack-race" => sub {
	my $t = shift;
	my $p = sub { num(cell($t, qr//, qr/p99/, $_[0])) };
	claim($p->("x86-int-noack") > 1e9 && $p->("x86-int-ack") < 1e7 && $p->("arm64-v4") < 1e7, "without the ACK the p99 is milliseconds, with it microseconds");
	quote(cell($t, qr//, qr/p99/, "x86-int-noack"), "noack p99");
};

prose "token-wrap" => sub {
	my $t = shift;
	my $nz = "x86-int-ack, `token_zero_skip: false`";
	my ($z, $w) = map { num(cell($t, qr//, $_, "arm64-v4")) } qr/^zero tokens/, qr/^sequence wraps/;
	claim($w >= 1 && $z == $w + 1, "arm64's id wraps and issues token 0 each time");
	claim(num(cell($t, qr//, qr/^zero tokens/, "x86-int-ack")) == 0, "x86 with the zero skip issues no token 0");
	claim(cell($t, qr//, qr/^oracle/, $nz) =~ /stuck_task/ && cell($t, qr//, qr/^oracle/, "arm64-v4") eq "clean", "only x86 without the zero skip gets a stuck task");
};

prose "cpu-offline" => sub {
	my $t = shift;
	my $fl = num(cell($t, qr//, qr/^works flushed/, "arm64-v4"));
	claim($fl == 1, "the host flushes the vCPU's outstanding work, one here");
	claim(cell($t, qr//, qr/^oracle/, "arm64-v4") =~ /stuck_task\*\* ×$fl\b/, "the task parked on it is stuck under arm64-v4");
	claim(cell($t, qr//, qr/^oracle/, "x86-int-ack") eq "clean" && cell($t, qr//, qr/^oracle/, "arm64-v4, `driver_variant: offline_wake`") eq "clean", "x86 and the fixed driver stay clean");
};

prose "postcopy" => sub {
	my $t = shift;
	quote("carries " . (cell($t, qr/^`apfsim/, qr/^link carried/, "sync") =~ s/ Gbit\/s//r), "link rate");
	my $lat = sub { my $c = cell($t, $_[0], qr/^urgent/, $_[1]); num(($c =~ /\((.*) \//)[0]) };
	quote(sprintf("to %.1f ms", $lat->(qr/Without preempt/, "sync") / 1e9), "latency without preempt");
	quote(sprintf("%.2f–%.2f ms", (sort { $a <=> $b } map { $lat->(qr/^`apfsim/, $_) / 1e9 } qw(sync arm64-v4 x86-int-ack))[0, -1]), "latency with preempt");
	for my $row (qr/^hog pages written/, qr/^compute iterations/) {
		claim(num(cell($t, qr/^`apfsim/, $row, $_)) > num(cell($t, qr/^`apfsim/, $row, "sync")), "both tasks progress faster while pages are remote ($_)") for qw(arm64-v4 x86-int-ack);
	}
};

prose "precopy" => sub {
	my $t = shift;
	my $c = sub { cell($t, qr/precopy.yaml/, $_[0], $_[1]) };
	my $fast = "a writer ~20× faster (`write_cycles` 1024)";
	claim($c->(qr/^result/, "as committed") eq "completed", "precopy.yaml converges");
	quote("converges in " . $c->(qr/^rounds/, "as committed") . " rounds", "rounds");
	quote($c->(qr/^dirty pages/, "as committed") . " dirty pages", "dirty rest");
	quote($c->(qr/^downtime/, "as committed") =~ s/ ms//r, "downtime");
	claim($c->(qr/^result/, "QEMU's default throttle") eq "precopy" && $c->(qr/^result/, $fast) eq "precopy", "the throttled and the fast-writer runs end still in precopy");
	quote("round " . $c->(qr/^rounds/, $fast), "fast writer's last round");
	my $g = "2 GiB cgroup, 120 s";
	claim($c->(qr/^result/, $g) eq "completed", "with a 2 GiB cgroup the migration completes within 120 s");
	quote($c->(qr/^pages the source/, $g) . " pages", "pages read from swap");
	quote(sprintf("%.1f s", num($c->(qr/^migration total/, $g)) / 1e12), "2 GiB total");
	quote(sprintf("%.1f s", num($c->(qr/^migration total/, "as committed")) / 1e12), "total as committed");
	claim(num(cell($t, qr/migrate-pending/, qr/^works in flight/, "migrate-pending.yaml")) == 8, "8 works in flight are dropped");
	claim(cell($t, qr/migrate-pending/, qr/^oracle/, "migrate-pending.yaml") eq "clean", "the oracle stays clean");
};

prose "studies" => sub {
	study_run();
	my $s = sub { my ($f, $l, $p, $k) = @_; $study{$f}{$l}{$p}{$k} };
	my $m = "512MiB";
	claim(abs($s->("50us", $m, "sync", "compute.progress") - $s->("400us", $m, "sync", "compute.progress")) <= 5, "under sync the compute thread's progress is the same at every floor");
	quote(int_($s->("50us", $m, "sync", "compute.progress")), "sync compute progress");
	quote(sprintf("from %.0f k to %.0f k pages", $s->("50us", $m, "sync", "hog.progress") / 1e3, $s->("400us", $m, "sync", "hog.progress") / 1e3), "sync hog progress");
	quote(sprintf("(%.0f → %.0f µs)", $s->("50us", $m, "sync", "fault_latency_p99_ps") / 1e6, $s->("400us", $m, "sync", "fault_latency_p99_ps") / 1e6), "sync p99");
	for my $p (qw(arm64-v4 x86-int-ack)) {
		claim($s->("400us", $m, $p, "compute.progress") > $s->("50us", $m, $p, "compute.progress"), "with APF a slower device gives the compute thread more ($p)");
		quote(sprintf("%s → %s", int_($s->("50us", $m, $p, "compute.progress")), int_($s->("400us", $m, $p, "compute.progress"))), "$p compute");
	}
	for my $f ("50us", "100us", "200us", "400us") {
		claim($s->($f, $m, "x86-int-ack", "hog.stall_ps") < $s->($f, $m, "arm64-v4", "hog.stall_ps")
			&& $s->($f, $m, "x86-int-ack", "compute.progress") > $s->($f, $m, "arm64-v4", "compute.progress"), "x86-int-ack ahead of arm64-v4 at $f");
		for my $p (qw(sync arm64-v4 x86-int-ack)) {
			claim(abs($s->($f, "768MiB", $p, "hog.progress") - $s->($f, $m, $p, "hog.progress")) < 500, "768 MiB matches 512 MiB within a few hundred pages ($f, $p)");
		}
		claim(!$s->($f, "1GiB", $_, "apf_async"), "at 1 GiB nothing is swapped ($f, $_)") for qw(arm64-v4 x86-int-ack);
	}
	quote(sprintf("(%.2f vs %.2f s at 50 µs)", $s->("50us", $m, "x86-int-ack", "hog.stall_ps") / 1e12, $s->("50us", $m, "arm64-v4", "hog.stall_ps") / 1e12), "hog stall at 50 µs");
	quote(sprintf("%.2f vs %.2f s of hog stall", $s->("50us", "1GiB", "x86-int-ack", "hog.stall_ps") / 1e12, $s->("50us", "1GiB", "arm64-v4", "hog.stall_ps") / 1e12), "1 GiB hog stall");
};

prose "single-fault" => sub {
	my (undef, $body) = @_;
	quote("(" . ($body =~ /(\d+) lines/)[0] . " lines)", "golden length");
};

# ---- the docs -------------------------------------------------------------------

my %want = map { $_ => 1 } grep { length } split /,/, $only;
my %skip = map { $_ => 1 } grep { length } split /,/, $skip;
for (keys %want, keys %skip) { $gen{$_} or die "$0: no block $_ (have: @order)\n" }
my $stale = 0;
my %seen;
for my $doc (@DOCS) {
	my $text = slurp($doc);
	my $new = $text;
	$new =~ s{(<!-- generated: (\S+) \(scripts/doc-figures\.pl\) -->\n)(.*?)(<!-- end generated: \2 -->)}{
		my ($open, $id, $old, $close) = ($1, $2, $3, $4);
		$gen{$id} or die "$doc: block $id has no generator\n";
		$seen{$id} = 1;
		my $body = $old;
		if ((!%want || $want{$id}) && !$skip{$id}) {
			$body = $gen{$id}->();
			print "$open$body$close\n" if $mode eq "print";
		}
		"$open$body$close"
	}gse;
	while ($new =~ /<!-- generated: (\S+) \(scripts\/doc-figures\.pl\) -->\n(.*?)<!-- end generated: \1 -->/gs) {
		my ($id, $body, $pos) = ($1, $2, $-[0]);
		next unless $prose{$id};
		# the study's prose checks need the sweep itself: only when its block is made
		next if $id eq "studies" && !((!%want || $want{$id}) && !$skip{$id});
		my $from = rindex($new, "\n## ", $pos);
		my $to = index($new, "\n## ", $pos);
		$cur_section = substr($new, $from < 0 ? 0 : $from, ($to < 0 ? length $new : $to) - ($from < 0 ? 0 : $from));
		$cur_section =~ s/<!-- generated: (\S+) .*?<!-- end generated: \1 -->//gs;
		$cur_id = $id;
		$prose{$id}->(tables($body), $body);
	}
	next if $new eq $text;
	if ($mode eq "write") {
		open my $h, ">", "$doc.tmp" or die "$doc.tmp: $!\n";
		print $h $new;
		close $h or die;
		rename "$doc.tmp", $doc or die;
		print STDERR "$0: rewrote $doc\n";
	} elsif ($mode eq "check") {
		open my $h, ">", "$tmp/new" or die;
		print $h $new;
		close $h;
		system("diff", "-u", "--label", "$doc (committed)", "--label", "$doc (this build)", $doc, "$tmp/new");
		$stale = 1;
	}
}
for (@order) { $seen{$_} or die "$0: block $_ is in no doc\n" }
print STDERR "$0: $_\n" for @problems;
if ($mode eq "check") {
	print STDERR "$0: docs are stale: run scripts/doc-figures.pl --build $build, edit the prose it names, commit\n" if $stale || @problems;
	print STDERR "$0: docs current\n" if !$stale && !@problems;
} elsif (@problems) {
	print STDERR "$0: the tables are regenerated; the prose above needs a hand edit\n";
}
exit(($mode eq "check" && $stale) || @problems ? 1 : 0);
