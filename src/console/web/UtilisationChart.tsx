import { useContext, useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatTime, ZoneContext } from "./timefmt.js";

/** Held addresses over time (uPlot: one canvas, fast on thousands of points); click to move the pool's instant. */
export function UtilisationChart(props: {
  at: number[];
  held: number[];
  windowSize: number;
  atMs: number;
  onPick: (ms: number) => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const zone = useContext(ZoneContext);
  useEffect(() => {
    if (!box.current) return;
    const width = Math.min(900, box.current.clientWidth || 900);
    const plot = new uPlot(
      {
        width,
        height: 200,
        legend: { show: false },
        scales: { x: { time: false }, y: { range: [0, Math.max(1, props.windowSize)] } },
        axes: [
          { values: (_u, ticks) => ticks.map((tick) => formatTime(tick, zone).slice(0, 16)), space: 160 },
          { label: "held" },
        ],
        series: [{}, { label: "held", stroke: "#2f6db5", fill: "rgba(47,109,181,0.15)", width: 1.5 }],
        hooks: {
          draw: [
            (u) => {
              const x = u.valToPos(props.atMs, "x", true);
              const g = u.ctx;
              g.save();
              g.fillStyle = "#d62828";
              g.fillRect(x - 1, u.bbox.top, 2, u.bbox.height);
              g.restore();
            },
          ],
        },
      },
      [props.at, props.held],
      box.current,
    );
    const over = plot.over;
    const onClick = () => {
      const left = plot.cursor.left;
      if (left !== undefined && left >= 0) props.onPick(Math.round(plot.posToVal(left, "x")));
    };
    over.addEventListener("click", onClick);
    return () => {
      over.removeEventListener("click", onClick);
      plot.destroy();
    };
  }, [props.at, props.held, props.atMs, zone]);
  const peak = Math.max(0, ...props.held);
  return (
    <figure class="utilisation">
      <div
        ref={box}
        role="img"
        aria-label={`Held addresses over time, peak ${peak} of ${props.windowSize}; click to show the pool at that instant`}
      />
      <figcaption>
        Utilisation over time (peak {peak} of {props.windowSize} addresses). Click the chart to move the instant.
      </figcaption>
    </figure>
  );
}
