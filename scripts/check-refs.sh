#!/usr/bin/env bash
# check-refs: every section cited as "reference.md §N.M" (or the older
# "PROTOCOL.md §N.M") anywhere in the tree must exist as a heading
# "§N.M ..." in docs/reference.md.  Lettered or roman items cited with a
# section ("§2.7(e)", "§2.7 e)", "§4.2 (iii)") must appear as "(e)" / "(iii)"
# inside that section.  Also checks "latencies.md" exists when it is cited.
#
# A citation is the file name followed by a run of section numbers joined by
# commas, slashes, dashes, "and", spaces, newlines and comment leaders, e.g.
#   reference.md §2.2, §2.7(e)/(i), §4.3
#   reference.md §3.3–§3.5        (both ends are checked)
#   (reference.md
#    * §2.2)                       (a citation broken over a comment line)
# Bare "§N" without the file name is not checked: the tree also cites the
# GIC, SDEI and Unicorn notes by section.
#
# Usage: scripts/check-refs.sh [REPO_ROOT]     exit 0 clean, 1 missing, 2 usage
set -euo pipefail

root=${1:-.}
cd "$root" || { echo "check-refs: cannot enter $root" >&2; exit 2; }
ref=docs/reference.md
if [ ! -f "$ref" ]; then
	echo "check-refs: $ref not found under $root" >&2
	exit 2
fi

find . \( -name .git -o -name 'build*' -o -name out -o -path ./tests/data \) -prune -o -type f \
	\( -name '*.c' -o -name '*.h' -o -name '*.cc' -o -name '*.md' -o -name '*.txt' \
	   -o -name '*.yaml' -o -name '*.yml' -o -name '*.sh' -o -name '*.pl' -o -name '*.py' \
	   -o -name '*.S' -o -name '*.s' -o -name '*.ld' -o -name '*.cmake' -o -name 'Makefile' \) \
	-print0 | LC_ALL=C sort -z | perl -0 -CSD -e '
use strict; use warnings;
my $ref = "docs/reference.md";

# Sections of docs/reference.md: heading "#... §N.M title" -> body text.
my (%body, $cur);
{ local $/ = "\n";
open(my $rf, "<:encoding(UTF-8)", $ref) or die "check-refs: $ref: $!\n";
while (my $l = <$rf>) {
	if ($l =~ /^#+\s+\x{a7}(\d+(?:\.\d+)*)\b/) { $cur = $1; $body{$cur} //= ""; next; }
	if ($l =~ /^#/) { $cur = undef; next; }
	$body{$cur} .= $l if defined $cur;
}
close $rf; }

my $sep  = qr{(?:[\s*#/`\x27",;:()\x{2013}\x{2014}-]|\band\b|\bor\b|\bto\b)+};
my $item = qr{\s?\(?(?:[a-j]|i{1,3}|iv|vi{0,3}|ix|x)\)};
my ($checked, $bad) = (0, 0);

while (defined(my $f = <STDIN>)) {
	chomp $f; $f =~ s{^\./}{};
	next if $f eq $ref;
	open(my $fh, "<:encoding(UTF-8)", $f) or next;
	local $/; my $t = <$fh>; close $fh;
	next unless defined $t && $t =~ /(?:PROTOCOL|reference|latencies)\.md/;
	if ($t =~ /\blatencies\.md/ && ! -f "docs/latencies.md") {
		print "$f: cites latencies.md but docs/latencies.md is missing\n"; $bad++;
	}
	while ($t =~ /(?:PROTOCOL|reference)\.md`?/g) {
		my $start = pos($t);
		my $line = 1 + (substr($t, 0, $start) =~ tr/\n//);
		# "file.md (generic core §1, arm64 §2.3–§2.8, ...)": every § in the parentheses.
		if ($t =~ /\G`?\s*\(([^()]{0,300})\)/gc) {
			my $g = $1;
			while ($g =~ /\x{a7}\s?(\d+(?:\.\d+)*)/g) {
				my $num = $1; $checked++;
				print "$f:$line: \x{a7}$num\n" if $ENV{CHECK_REFS_VERBOSE};
				next if exists $body{$num};
				print "$f:$line: cites \x{a7}$num, which is not a section of $ref\n"; $bad++;
			}
			next;
		}
		my $first = 1;
		pos($t) = $start;
		while (1) {
			my $save = pos($t);
			$t =~ /\G$sep/gc;
			my $num;
			if ($t =~ /\G\x{a7}\s?(\d+(?:\.\d+)*)/gc) { $num = $1; }
			elsif ($first && $t =~ /\G(\d+\.\d+(?:\.\d+)*)\b/gc) { $num = $1; }
			else { pos($t) = $save; last; }
			$first = 0;
			my @items;
			while ($t =~ /\G\/?($item)/gc) { my $i = $1; $i =~ s/[\s()]//g; push @items, $i; }
			$checked++;
			print "$f:$line: \x{a7}$num" . join("", map {"($_)"} @items) . "\n" if $ENV{CHECK_REFS_VERBOSE};
			if (!exists $body{$num}) {
				print "$f:$line: cites \x{a7}$num, which is not a section of $ref\n"; $bad++;
				next;
			}
			for my $i (@items) {
				next if $body{$num} =~ /\($i\)/;
				print "$f:$line: cites \x{a7}$num($i), but \x{a7}$num of $ref has no item ($i)\n"; $bad++;
			}
		}
		pos($t) = $start;
	}
}
if ($bad) { print "check-refs: $bad missing of $checked cited sections\n"; exit 1; }
print "check-refs: all $checked cited sections exist in $ref\n";
'
