// The text the recurrent examples train on: Debian's `fortunes-min` package (quotations,
// fortunes and riddles in /usr/share/games/fortunes; public text shipped by the distribution,
// nothing downloaded at run time). Install with `sudo apt-get install fortunes-min`.
'use strict';
const fs = require('fs');
const path = require('path');

const DIR = process.env.FORTUNES_DIR || '/usr/share/games/fortunes';
const FILES = ['literature', 'fortunes', 'riddles'];

/** {entries, sources}: every fortune as a string, and the file (0 literature, 1 fortunes, 2 riddles) it came from. */
function loadFortunes() {
  const entries = [], sources = [];
  FILES.forEach((name, k) => {
    const file = path.join(DIR, name);
    if (!fs.existsSync(file)) {
      throw new Error(`${file} not found. These examples train on the text of Debian's fortunes-min package; ` +
        'install it with `sudo apt-get install fortunes-min` (or set FORTUNES_DIR to a folder holding ' +
        `${FILES.join(', ')} in fortune's %-separated format).`);
    }
    for (const e of fs.readFileSync(file, 'latin1').split(/\n%\n/)) {
      const t = e.replace(/\t/g, ' ').replace(/[^\x20-\x7e\n]/g, '').trim();
      if (t.length > 0) {
        entries.push(t);
        sources.push(k);
      }
    }
  });
  return { entries, sources, files: FILES };
}

/** Lower-case word and punctuation tokens. */
function tokenize(text) {
  return text.toLowerCase().match(/[a-z0-9']+|[.,!?;:"()-]/g) || [];
}

module.exports = { loadFortunes, tokenize };
