// Generated from R 4.2.2's license database by test/rpkg/license.test.ts
// (BBS_REGENERATE_R_DATA=1 npx vitest run test/rpkg/license.test.ts). Do not edit.

export const R_LICENSE_DB = {
  "rVersion": "4.2.2",
  "reComponent": "^(((GPL-2|GPL-3|LGPL-2|LGPL-2.1|LGPL-3|AGPL-3|Artistic-1.0|Artistic-2.0)|(FreeBSD License|MIT License|Modified BSD License|BSD 2-clause License|BSD 3-clause License|Creative Commons Attribution 4.0 International License|Creative Commons Attribution-ShareAlike 4.0 International License|Creative Commons Attribution-NonCommercial 4.0 International License|Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International License|Creative Commons Attribution-NonCommercial-NoDerivs 4.0 International License|CC0|zlib License|FreeBSD|MIT|BSD|BSD_2_clause|BSD_3_clause|CC BY 4.0|CC BY-SA 4.0|CC BY-NC 4.0|CC BY-NC-SA 4.0|CC BY-NC-ND 4.0|Zlib)|(ACM Software License Agreement|Apache License|Artistic License|Boost Software License|CeCILL|Common Public License|Eclipse Public License|European Union Public License|GNU Affero General Public License|GNU General Public License|GNU Lesser General Public License|GNU Library General Public License|Lucent Public License|Mozilla Public License|ACM|AGPL|BSL|CPL|CeCILL|EPL|EUPL|GPL|LGPL|MPL)[[:space:]]*(\\(([[:space:]]*(<|<=|>|>=|==|!=)[[:space:]]*(([[:digit:]]+[.-])*[[:digit:]]+)[[:space:]]*,)*[[:space:]]*(<|<=|>|>=|==|!=)[[:space:]]*(([[:digit:]]+[.-])*[[:digit:]]+)[[:space:]]*\\))*|(GNU General Public License[[:space:]]+([Vv]ersion[[:space:]]+)?2|GNU General Public License[[:space:]]+([Vv]ersion[[:space:]]+)?3|GNU Library General Public License[[:space:]]+([Vv]ersion[[:space:]]+)?2|GNU Lesser General Public License[[:space:]]+([Vv]ersion[[:space:]]+)?2.1|GNU Lesser General Public License[[:space:]]+([Vv]ersion[[:space:]]+)?3|GNU Affero General Public License[[:space:]]+([Vv]ersion[[:space:]]+)?3|Apache License[[:space:]]+([Vv]ersion[[:space:]]+)?1.1|Apache License[[:space:]]+([Vv]ersion[[:space:]]+)?2.0|Artistic License[[:space:]]+([Vv]ersion[[:space:]]+)?1.0|Artistic License[[:space:]]+([Vv]ersion[[:space:]]+)?2.0|CeCILL[[:space:]]+([Vv]ersion[[:space:]]+)?2|Mozilla Public License[[:space:]]+([Vv]ersion[[:space:]]+)?1.0|Mozilla Public License[[:space:]]+([Vv]ersion[[:space:]]+)?1.1|Mozilla Public License[[:space:]]+([Vv]ersion[[:space:]]+)?2.0|Common Public License[[:space:]]+([Vv]ersion[[:space:]]+)?1.0|Eclipse Public License[[:space:]]+([Vv]ersion[[:space:]]+)?1.0|Lucent Public License[[:space:]]+([Vv]ersion[[:space:]]+)?1.02|European Union Public License[[:space:]]+([Vv]ersion[[:space:]]+)?1.1|Boost Software License[[:space:]]+([Vv]ersion[[:space:]]+)?1.0|ACM Software License Agreement[[:space:]]+([Vv]ersion[[:space:]]+)?1998)|(GPL-2|GPL-3|LGPL-2|LGPL-2.1|LGPL-3|AGPL-3|CeCILL-2|MPL-1.0|MPL-1.1|MPL-2.0|CPL-1.0|EPL-1.0|EUPL-1.1|BSL-1.0|ACM-1998))([[:space:]]*\\+[[:space:]]*file LICEN[CS]E)?|file LICEN[CS]E|Unlimited)$",
  "validNumericVersion": "([[:digit:]]+[.-])*[[:digit:]]+",
  "standardizableSpecs": [
    [
      "The Artistic License, Version 2.0",
      "Artistic-2.0"
    ],
    [
      "Artistic 2.0",
      "Artistic-2.0"
    ],
    [
      "Artistic-2.0, see https://opensource.org/licenses/artistic-license-2.0.php",
      "Artistic-2.0"
    ],
    [
      "Boost Software License",
      "BSL"
    ],
    [
      "Boost Software License 1.0",
      "BSL"
    ],
    [
      "BSL 1.0",
      "BSL"
    ],
    [
      "CeCILL-2.0",
      "CeCILL-2"
    ],
    [
      "GNU Public License",
      "GPL"
    ],
    [
      "Gnu GPL",
      "GPL"
    ],
    [
      "GNU GPL",
      "GPL"
    ],
    [
      "GPL (https://www.gnu.org/copyleft/gpl.html)",
      "GPL"
    ],
    [
      "GNU General Public License 2.0.",
      "GPL-2"
    ],
    [
      "GPL 2.0",
      "GPL-2"
    ],
    [
      "GPL version 2.0",
      "GPL-2"
    ],
    [
      "GPL2.0",
      "GPL-2"
    ],
    [
      "GPL Version 2",
      "GPL-2"
    ],
    [
      "GNU GPL Version 2",
      "GPL-2"
    ],
    [
      "GNU GPL version 2",
      "GPL-2"
    ],
    [
      "GNU GPL version 2.",
      "GPL-2"
    ],
    [
      "GPL (version 2)",
      "GPL-2"
    ],
    [
      "GPL 2",
      "GPL-2"
    ],
    [
      "GPL 2.",
      "GPL-2"
    ],
    [
      "GPL version 2",
      "GPL-2"
    ],
    [
      "GPL version 2 (June, 1991)",
      "GPL-2"
    ],
    [
      "GPL version 2.",
      "GPL-2"
    ],
    [
      "GPL2",
      "GPL-2"
    ],
    [
      "GPL V2",
      "GPL-2"
    ],
    [
      "GPL, version 2",
      "GPL-2"
    ],
    [
      "GPL Version 3",
      "GPL-3"
    ],
    [
      "GPL version 3",
      "GPL-3"
    ],
    [
      "GNU General Public Licence (GPLv3)",
      "GPL-3"
    ],
    [
      "GPL 3",
      "GPL-3"
    ],
    [
      "GPL v3",
      "GPL-3"
    ],
    [
      "GNU GPL v2.0 or greater",
      "GPL (>= 2)"
    ],
    [
      "GPL 2.0 or higher",
      "GPL (>= 2)"
    ],
    [
      "GPL 2.0 or newer",
      "GPL (>= 2)"
    ],
    [
      "GPL version 2.0 or later",
      "GPL (>= 2)"
    ],
    [
      "GPL version 2.0 or newer",
      "GPL (>= 2)"
    ],
    [
      "GNU GPL (version 2 or later)",
      "GPL (>= 2)"
    ],
    [
      "GNU GPL (version 2 or later); see the file COPYING for details",
      "GPL (>= 2)"
    ],
    [
      "GNU GPL version 2 or newer",
      "GPL (>= 2)"
    ],
    [
      "GNU General Public License version 2 or newer",
      "GPL (>= 2)"
    ],
    [
      "GPL version 2 or later",
      "GPL (>= 2)"
    ],
    [
      "GPL ( version 2 or later)",
      "GPL (>= 2)"
    ],
    [
      "GPL (Version 2 or above)",
      "GPL (>= 2)"
    ],
    [
      "GPL (Version 2 or later)",
      "GPL (>= 2)"
    ],
    [
      "GPL (version 2 or higher)",
      "GPL (>= 2)"
    ],
    [
      "GPL (version 2 or later)",
      "GPL (>= 2)"
    ],
    [
      "GPL (version 2 or later, see the included file GPL)",
      "GPL (>= 2)"
    ],
    [
      "GPL (version 2 or newer)",
      "GPL (>= 2)"
    ],
    [
      "GPL 2 or later",
      "GPL (>= 2)"
    ],
    [
      "GPL 2 or newer",
      "GPL (>= 2)"
    ],
    [
      "GPL version 2 or any later version",
      "GPL (>= 2)"
    ],
    [
      "GPL Version 2 or later",
      "GPL (>= 2)"
    ],
    [
      "GPL Version 2 or later.",
      "GPL (>= 2)"
    ],
    [
      "GPL Version 2 or newer",
      "GPL (>= 2)"
    ],
    [
      "GPL Version 2 or newer.",
      "GPL (>= 2)"
    ],
    [
      "GPL version 2 (June, 1991) or later",
      "GPL (>= 2)"
    ],
    [
      "GPL version 2 (or newer)",
      "GPL (>= 2)"
    ],
    [
      "GPL version 2 or later.",
      "GPL (>= 2)"
    ],
    [
      "GPL version 2 or newer",
      "GPL (>= 2)"
    ],
    [
      "GPL version 2 or newer (https://www.gnu.org/copyleft/gpl.html)",
      "GPL (>= 2)"
    ],
    [
      "GPL version 2 or newer (see README).",
      "GPL (>= 2)"
    ],
    [
      "GPL version 2 or newer.",
      "GPL (>= 2)"
    ],
    [
      "GPL version 2 or newer. https://www.gnu.org/copyleft/gpl.html",
      "GPL (>= 2)"
    ],
    [
      "GPL version 2, or, at your option, any newer version.",
      "GPL (>= 2)"
    ],
    [
      "GPL Version 2 (or later)",
      "GPL (>= 2)"
    ],
    [
      "GPL version 2 (or later)",
      "GPL (>= 2)"
    ],
    [
      "GPL version 2 or higher",
      "GPL (>= 2)"
    ],
    [
      "GPL2 or later",
      "GPL (>= 2)"
    ],
    [
      "GPL>=2",
      "GPL (>= 2)"
    ],
    [
      "GNU General Public License (version 2 or later)",
      "GPL (>= 2)"
    ],
    [
      "GPL (version 3 or later)",
      "GPL (>= 3)"
    ],
    [
      "GPL >=3",
      "GPL (>= 3)"
    ],
    [
      "GPL or LGPL by your choice",
      "GPL | LGPL"
    ],
    [
      "GPL, BSD",
      "GPL | BSD"
    ],
    [
      "use under GPL2, or see file LICENCE",
      "GPL-2 | file LICENSE"
    ],
    [
      "LGPL (see <https://opensource.org/licenses/lgpl-license.php>).",
      "LGPL"
    ],
    [
      "GNU LGPL (same as wxWidgets).",
      "LGPL"
    ],
    [
      "LGPL2",
      "LGPL-2"
    ],
    [
      "LGPL2.0",
      "LGPL-2"
    ],
    [
      "LGPL version 2.1",
      "LGPL-2.1"
    ],
    [
      "LGPL-v3",
      "LGPL-3"
    ],
    [
      "LGPL >= 2.0",
      "LGPL (>= 2.0)"
    ],
    [
      "LGPL Version 2 or later.",
      "LGPL (>= 2.0)"
    ],
    [
      "LGPL version 2 or newer",
      "LGPL (>= 2.0)"
    ],
    [
      "LGPL (version 2 or later)",
      "LGPL (>= 2.0)"
    ],
    [
      "LGPL version 2 or later",
      "LGPL (>= 2.0)"
    ],
    [
      "LGPL version 2.1 or later",
      "LGPL (>= 2.1)"
    ],
    [
      "LGPL >=3",
      "LGPL (>= 3.0)"
    ],
    [
      "X11 (http://www.x.org/Downloads_terms.html)",
      "X11"
    ],
    [
      "Unlimited use and distribution.",
      "Unlimited"
    ]
  ]
} as const;
