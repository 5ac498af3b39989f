// Turns a vega-lite spec into SVG text (vega-lite → vega → headless View) and SVG into PNG (resvg), without a browser.

import type { TopLevelSpec } from 'vega-lite';

/** PNG pixels per SVG pixel: 2 keeps text sharp on high-density screens and in slides. */
export const PNG_SCALE = 2;

/**
 * Renders `spec` to a standalone SVG document. Data must be inline (`data.values`): the view is given a loader
 * that refuses every URL and file, so a report never reads anything but the results it was handed.
 * Throws what vega-lite or vega throw for an invalid spec.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // Loaded on first use: the library and the other CLI commands never pay for the chart stack.
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(spec).spec;
  const refuse = async (uri: string): Promise<never> => {
    throw new Error(`report charts load no external resources (asked for ${JSON.stringify(uri)})`);
  };
  const loader = { ...vega.loader(), load: refuse, sanitize: refuse };
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader: loader as unknown as ReturnType<typeof vega.loader> });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Rasterises an SVG document to PNG at `scale` × its size, on white. Text uses the machine's fonts (DejaVu Sans
 * on Debian images); without any font the PNG is still valid but has no text.
 */
export async function svgToPng(svg: string, scale = PNG_SCALE): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  const renderer = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return renderer.render().asPng();
}
