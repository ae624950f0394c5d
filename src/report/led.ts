// The three propagation LED images of the report, shipped as files in
// templates/report/assets/ under BBS's names (`120px-{Red,Green,Blue}_Light_Icon.svg.png`)
// and copied into every report with the other static assets.

export type LedColor = "Red" | "Green" | "Blue";

export function ledFileName(color: LedColor): string {
  return `120px-${color}_Light_Icon.svg.png`;
}
