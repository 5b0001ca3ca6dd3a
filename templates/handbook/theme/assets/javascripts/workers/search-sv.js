// Swedish search: stems each typed word before Material's search worker sees it.
//
// Material appends "*" to every query word, and lunr skips the search pipeline (so the Swedish
// stemmer) for a word with a wildcard. The index holds stems ("chef", "bisyssl"), so "chefer*"
// or "bisysslor*" matched nothing. Stemmed here, "chefer" becomes "chef*" and finds the pages.
// Words with query syntax (+chef, -chef, "…", title:chef, chef~1) are left to lunr, which stems
// them itself. main.html points the page at this file, with Material's worker name as the query.
"use strict";

const materialWorker = location.search.slice(1);

function snowball(word) {
  const token = self.lunr.sv.stemmer(new self.lunr.Token(word));
  return token ? token.toString() : word;
}

// Snowball removes one suffix, so a genitive on an inflected form keeps the inflection
// ("aktivitetsplaners" -> "aktivitetsplaner"); a second pass takes that too. It also leaves the
// definite neuter "-et" ("våldet", "arbetssättet"), which is taken here when four letters stay.
// A shorter stem only widens the prefix match: the index's stem still starts with it.
function stemWord(word) {
  return snowball(snowball(word.toLowerCase())).replace(/(?<=\p{L}{4})et$/u, "");
}

function stemQuery(query) {
  return query
    .split(/(\s+)/)
    .map((part) => (/^[\p{L}\p{N}-]+$/u.test(part) ? part.replace(/[\p{L}\p{N}]+/gu, stemWord) : part))
    .join("");
}

// Registered before Material's own listener, so it runs first on each message.
addEventListener("message", (event) => {
  const message = event.data;
  if (message && typeof message.data === "string" && self.lunr && self.lunr.sv) {
    message.data = stemQuery(message.data);
  }
});

if (/^search\.[0-9a-f]+\.min\.js$/.test(materialWorker)) {
  importScripts(materialWorker);
}
