// The core activity types register themselves when imported. Later features register theirs
// (e.g. the LTI consumer's "External tool") from their own modules, without touching these.
import "./page.js";
import "./assign.js";
import "./quiz.js";
