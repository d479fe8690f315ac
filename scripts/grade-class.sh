#!/usr/bin/env bash
# grade-class.sh - grade a whole class's submissions for one lesson in one
# command, for instructors: one line per student, then a summary.
#
#   scripts/grade-class.sh [--report DIR] [--csv] SUBMISSIONS NN
#
# SUBMISSIONS holds one entry per student, named after the student:
#   alice.asm                          the student's exercise file, or
#   bob/                               a folder with, first found:
#       bob/exercise.asm
#       bob/NN-topic/exercise.asm
#       bob/lessons/NN-topic/exercise.asm  (a copy of the whole course)
#       bob/*.asm                          (when it is the only .asm there)
# Each is graded by scripts/grade.sh against lessons/NN-topic/checks.sh.
#   --report DIR   also write each student's full grading (checks, hints,
#                  diffs) to DIR/STUDENT.txt, to hand back
#   --csv          print "student,score,max,notes" lines instead of a table
# Exit status: 0 when every submission was graded (whatever the scores),
# 2 for bad usage.

set -u

usage() {
	cat <<'EOF'
usage: scripts/grade-class.sh [--report DIR] [--csv] SUBMISSIONS NN

Grade every student's exercise for lesson NN. SUBMISSIONS holds one
STUDENT.asm (STUDENT.c for a lesson in C) or one STUDENT/ folder (with the
exercise inside) per student.
  --report DIR   write each student's detailed grading to DIR/STUDENT.txt
  --csv          print CSV (student,score,max,notes) instead of a table
EOF
}

die_usage() {
	echo "grade-class: $*" >&2
	exit 2
}

REPORT=""
CSV=0
ARGS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--report)
		[ $# -ge 2 ] || die_usage "--report needs a directory"
		REPORT="$2"
		shift
		;;
	--csv) CSV=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	-*) die_usage "unknown option $1 (see --help)" ;;
	*) ARGS+=("$1") ;;
	esac
	shift
done
if [ "${#ARGS[@]}" -ne 2 ]; then
	usage >&2
	exit 2
fi
SUBMISSIONS="${ARGS[0]}"
LESSON_ARG="${ARGS[1]}"
[ -d "$SUBMISSIONS" ] || die_usage "no such directory: $SUBMISSIONS"
SUBMISSIONS="$(realpath -- "$SUBMISSIONS")"
if [ -n "$REPORT" ]; then
	mkdir -p -- "$REPORT" || die_usage "cannot create $REPORT"
	REPORT="$(realpath -- "$REPORT")"
fi

ROOT="$(realpath -- "$(dirname -- "${BASH_SOURCE[0]}")/..")"
GRADE="$ROOT/scripts/grade.sh"
cd "$ROOT" || die_usage "cannot find the repository root"

# The lesson folder, with grade.sh's own checks and messages.
case "$LESSON_ARG" in
[0-9] | [0-9][0-9]) NN="$(printf '%02d' "$((10#$LESSON_ARG))")" ;;
[0-9][0-9]-*) NN="${LESSON_ARG%%-*}" ;;
*) NN="" ;;
esac
LESSON=""
for d in lessons/"$NN"-*/; do
	[ -n "$NN" ] && [ -d "$d" ] && LESSON="$(basename -- "$d")" && break
done
if [ -z "$LESSON" ] || [ ! -f "lessons/$LESSON/checks.sh" ]; then
	# Let grade.sh say what is wrong ("no lesson 42: the lessons are ...").
	"$GRADE" --quiet "$LESSON_ARG" >/dev/null
	die_usage "lesson $LESSON_ARG cannot be graded"
fi

VMM="${KVM_VMM:-./kvm-vmm}"
[ -x "$VMM" ] || die_usage "$VMM is not built yet: run make first"

# The exercise is in assembly, or in C for a lesson whose exercise is C.
EXT=asm
[ -f "lessons/$LESSON/exercise.c" ] && [ ! -f "lessons/$LESSON/exercise.asm" ] && EXT=c

# find_submission ENTRY: print the exercise file to grade for one student.
find_submission() {
	local entry="$1" f asms=()
	if [ -f "$entry" ]; then
		echo "$entry"
		return 0
	fi
	for f in "$entry/exercise.$EXT" "$entry/$LESSON/exercise.$EXT" \
		"$entry/lessons/$LESSON/exercise.$EXT"; do
		if [ -f "$f" ]; then
			echo "$f"
			return 0
		fi
	done
	for f in "$entry"/*."$EXT"; do
		[ -f "$f" ] && asms+=("$f")
	done
	if [ "${#asms[@]}" -eq 1 ]; then
		echo "${asms[0]}"
		return 0
	fi
	return 1
}

# CSV fields are quoted only when they need it.
csv_field() {
	case "$1" in
	*[,\"]*) printf '"%s"' "${1//\"/\"\"}" ;;
	*) printf '%s' "$1" ;;
	esac
}

row() { # student score max notes
	if [ "$CSV" = 1 ]; then
		printf '%s,%s,%s,%s\n' "$(csv_field "$1")" "$2" "$3" "$(csv_field "$4")"
	else
		printf '| %-20s | %5s | %4s | %-22s |\n' "$1" "$2" "$3" "$4"
	fi
}

if [ "$CSV" = 1 ]; then
	echo "student,score,max,notes"
else
	echo "lesson $LESSON, submissions in $SUBMISSIONS"
	echo
	printf '| %-20s | %5s | %4s | %-22s |\n' "student" "score" "max" "notes"
	printf '|%s|%s|%s|%s|\n' "----------------------" "------:" "-----:" "------------------------"
fi

n=0 graded=0 full=0 sum=0 max_seen=0
for entry in "$SUBMISSIONS"/*; do
	[ -e "$entry" ] || continue
	name="$(basename -- "$entry")"
	if [ -f "$entry" ]; then
		case "$name" in
		*.asm | *.c) name="${name%.*}" ;;
		*) continue ;; # a stray file (a CSV, a README): not a submission
		esac
	fi
	n=$((n + 1))
	if ! file="$(find_submission "$entry")"; then
		row "$name" "-" "-" "no exercise.$EXT found"
		continue
	fi
	# The detailed grading (hints, diffs): kept for the report, parsed here.
	out="$(NO_COLOR=1 "$GRADE" --file "$file" "$LESSON" 2>&1)"
	if [ -n "$REPORT" ]; then
		printf '%s\n' "$out" >"$REPORT/$name.txt"
	fi
	score="$(printf '%s\n' "$out" | sed -n 's/^score: \([0-9]*\)\/\([0-9]*\)$/\1 \2/p' | tail -n 1)"
	if [ -z "$score" ]; then
		row "$name" "-" "-" "not graded: $(printf '%s\n' "$out" | tail -n 1)"
		continue
	fi
	got="${score% *}" max="${score#* }"
	notes=""
	nfail="$(printf '%s\n' "$out" | grep -c '^ *\[FAIL\]')"
	nskip="$(printf '%s\n' "$out" | grep -c '^ *\[SKIP\]')"
	if printf '%s\n' "$out" | grep -q '^ *\[FAIL\] .*assembles and links'; then
		notes="does not build"
	elif [ "$nfail" -gt 0 ]; then
		notes="$nfail check(s) failed"
	fi
	[ "$nskip" -gt 0 ] && notes="${notes:+$notes; }$nskip skipped"
	row "$name" "$got" "$max" "$notes"
	sum=$((sum + got))
	graded=$((graded + 1))
	max_seen="$max"
	[ "$got" = "$max" ] && full=$((full + 1))
done

if [ "$n" = 0 ]; then
	die_usage "$SUBMISSIONS holds no submission (STUDENT.$EXT or STUDENT/ folders)"
fi
if [ "$CSV" = 0 ]; then
	echo
	echo "$n submission(s), $graded graded, $full with full marks"
	if [ "$graded" -gt 0 ]; then
		awk -v s="$sum" -v g="$graded" -v m="$max_seen" \
			'BEGIN { printf "average: %.1f/%d\n", s / g, m }'
	fi
	[ -n "$REPORT" ] && echo "each student's detailed grading: $REPORT/STUDENT.txt"
fi
exit 0
