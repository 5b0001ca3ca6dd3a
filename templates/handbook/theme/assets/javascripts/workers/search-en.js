// English search: stems each typed word before Material's search worker sees it.
//
// The same fix as search-sv.js, with lunr's own English (Porter) stemmer: Material appends "*"
// to the query and lunr does not stem a word with a wildcard, while the English index holds
// stems ("manag", "prepar"). Stemmed here, "managers" becomes "manag*" and finds the managers'
// page. Words with query syntax (+plan, -plan, "…", title:plan, plan~1) are left to lunr.
// main.html points English pages at this file, with Material's worker name as the query.
"use strict";

const materialWorker = location.search.slice(1);

// A possessive ("manager's", "employees’") is the word itself: stemmed without its "'s".
function stemWord(word) {
  const bare = word.toLowerCase().replace(/['’]s?$/u, "");
  const token = self.lunr.stemmer(new self.lunr.Token(bare));
  return token ? token.toString() : bare;
}

function stemQuery(query) {
  return query
    .split(/(\s+)/)
    .map((part) =>
      /^[\p{L}\p{N}'’-]+$/u.test(part) ? part.replace(/[\p{L}\p{N}]+(?:['’]s?)?/gu, stemWord) : part,
    )
    .join("");
}

// Registered before Material's own listener, so it runs first on each message.
addEventListener("message", (event) => {
  const message = event.data;
  if (message && typeof message.data === "string" && self.lunr && self.lunr.stemmer) {
    message.data = stemQuery(message.data);
  }
});

if (/^search\.[0-9a-f]+\.min\.js$/.test(materialWorker)) {
  importScripts(materialWorker);
}
