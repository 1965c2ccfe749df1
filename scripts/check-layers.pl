#!/usr/bin/perl
# Layer check: fails when an #include runs upward (or sideways between sibling
# layers) or when a new include circle appears between modules.
# The layer picture and the rule of each arrow are in docs/architecture.md.
# Known debt is listed in scripts/layers-allow.txt; an entry there that no
# longer occurs is reported so the list only shrinks.
# Usage: scripts/check-layers.pl [REPO_ROOT]     exit 0 clean, 1 violation
use strict; use warnings;

my $root = shift // '.';
chdir $root or die "check-layers: cannot enter $root: $!\n";

# rank: a layer may include its own files and any layer of lower rank.
my %rank = (
    'model/kernel' => 0, 'model/config' => 1,
    'workloads' => 2, 'cpu' => 2, 'gic' => 2, 'sdei' => 2, 'smccc' => 2.5,
    'model/trace' => 3, 'model/check' => 3.5, 'model/report' => 3.5,
    'model/apf' => 4, 'model/host' => 4,
    'model/vm' => 5, 'model/scenario' => 6, 'model/session' => 6.5, 'model/explore' => 7,
    'cli' => 8, 'bench' => 8,
);

sub layer_of {
    my ($p) = @_;
    return "model/$1" if $p =~ m{^model/([^/]+)/};
    return $1 if $p =~ m{^([^/]+)/};
    return '';
}
sub module_of { my ($p) = @_; $p =~ s/\.[ch]$//; return $p; }

my @files = grep { -f } split /\n/, `git ls-files -- model cli bench workloads cpu gic sdei smccc`;
@files = grep { m{\.[ch]$} && !m{^workloads/guest/} } @files;

my (%allow_edge, %allow_cycle, %seen_allow);
if (open my $a, '<', 'scripts/layers-allow.txt') {
    while (<$a>) {
        chomp; s/#.*//; s/^\s+|\s+$//g; next unless length;
        if (/^cycle\s+(.*)$/) { $allow_cycle{join ' ', sort split ' ', $1} = 1; }
        elsif (/^(\S+)\s*->\s*(\S+)$/) { $allow_edge{"$1 -> $2"} = 1; }
        else { die "scripts/layers-allow.txt:$.: cannot read '$_'\n"; }
    }
}

my $bad = 0;
my %graph;   # module -> { module => 1 }
for my $f (@files) {
    open my $fh, '<', $f or die "check-layers: $f: $!\n";
    while (<$fh>) {
        next unless /^\s*#\s*include\s+"([^"]+)"/;
        my $inc = $1;
        next unless -f $inc;   # generated or same-folder headers
        my ($sl, $tl) = (layer_of($f), layer_of($inc));
        my ($sm, $tm) = (module_of($f), module_of($inc));
        $graph{$sm}{$tm} = 1 if $sm ne $tm;
        next if $sl eq $tl;
        next unless exists $rank{$sl} && exists $rank{$tl};
        next if $rank{$tl} < $rank{$sl};
        my $edge = "$f -> $inc";
        if ($allow_edge{$edge}) { $seen_allow{$edge} = 1; next; }
        my $how = $rank{$tl} > $rank{$sl} ? 'upward' : 'sideways';
        print "$f:$.: error: include runs $how: $sl may not include $tl ($inc)\n";
        $bad = 1;
    }
}

# Tarjan's strongly connected components over the module graph.
my ($index, @stack, %on, %idx, %low, @sccs) = (0);
sub strong {
    my ($v) = @_;
    $idx{$v} = $low{$v} = $index++; push @stack, $v; $on{$v} = 1;
    for my $w (sort keys %{ $graph{$v} // {} }) {
        if (!exists $idx{$w}) { strong($w); $low{$v} = $low{$w} if $low{$w} < $low{$v}; }
        elsif ($on{$w}) { $low{$v} = $idx{$w} if $idx{$w} < $low{$v}; }
    }
    if ($low{$v} == $idx{$v}) {
        my @c; my $w;
        do { $w = pop @stack; $on{$w} = 0; push @c, $w; } while ($w ne $v);
        my %layers = map { (layer_of("$_.c") => 1) } @c;
        push @sccs, [sort @c] if keys %layers > 1;   # a circle inside one folder is its own business
    }
}
strong($_) for sort keys %graph;
my %seen_cycle;
for my $c (@sccs) {
    my $key = join ' ', @$c;
    if ($allow_cycle{$key}) { $seen_cycle{$key} = 1; next; }
    print "error: include circle between modules: $key\n";
    $bad = 1;
}
for my $e (sort keys %allow_edge) {
    print "note: scripts/layers-allow.txt lists '$e', which no longer occurs; remove it\n"
        unless $seen_allow{$e};
}
for my $c (sort keys %allow_cycle) {
    print "note: scripts/layers-allow.txt lists cycle '$c', which no longer occurs; remove it\n"
        unless $seen_cycle{$c};
}
print $bad ? "check-layers: FAILED\n" : "check-layers: ok\n";
exit $bad;
