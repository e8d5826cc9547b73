import { useContext, useEffect, useRef, useState } from "preact/hooks";
import type { Timeline } from "../timeline.js";
import { formatTime, ZoneContext } from "./timefmt.js";

export type { Bar, Timeline } from "../timeline.js";

const HEIGHT = 120;
const AXIS = 24;
const COLOURS = ["#2f6db5", "#5a9bd8"];

function useWidth(ref: { current: HTMLElement | null }): number {
  const [width, setWidth] = useState(900);
  useEffect(() => {
    const measure = () => setWidth(Math.max(300, ref.current?.clientWidth ?? 900));
    measure();
    window.addEventListener("resize", measure);
    return () => window.removeEventListener("resize", measure);
  }, []);
  return width;
}

/**
 * The holders of an address as bars on a time axis (a density when there are thousands), with a
 * cursor. Click or use the arrow keys to move the cursor; + and − zoom around it, 0 resets.
 * The canvas is an image to a screen reader: the table below it carries the same facts.
 */
export function TimelineCanvas(props: {
  timeline: Timeline;
  cursorMs: number | null;
  onCursor: (ms: number) => void;
  onZoom: (fromMs: number, toMs: number) => void;
  onReset: () => void;
  label: string;
}) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const zone = useContext(ZoneContext);
  const width = useWidth(wrap);
  const { timeline } = props;
  const span = Math.max(1, timeline.toMs - timeline.fromMs);
  const xOf = (ms: number) => ((ms - timeline.fromMs) / span) * width;
  const msOf = (x: number) => Math.round(timeline.fromMs + (x / width) * span);

  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const ratio = window.devicePixelRatio || 1;
    element.width = width * ratio;
    element.height = HEIGHT * ratio;
    const g = element.getContext("2d");
    if (!g) return;
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, HEIGHT);
    g.fillStyle = "#f4f6f8";
    g.fillRect(0, 0, width, HEIGHT - AXIS);
    const top = 10;
    const laneCount = Math.max(1, timeline.lanes.length);
    const laneHeight = (HEIGHT - AXIS - 2 * top) / laneCount;
    const barHeight = HEIGHT - AXIS - 2 * top;
    if (timeline.bars) {
      g.font = "12px system-ui, sans-serif";
      g.textBaseline = "middle";
      for (const bar of timeline.bars) {
        const x0 = Math.max(0, xOf(bar.fromMs));
        const x1 = Math.min(width, xOf(bar.toMs ?? timeline.toMs));
        const w = Math.max(1, x1 - x0);
        g.fillStyle = COLOURS[bar.index % 2] as string;
        const y = top + bar.lane * laneHeight;
        g.fillRect(x0, y + 1, w, laneHeight - 2);
        if (w > 40) {
          g.save();
          g.beginPath();
          g.rect(x0 + 2, y, w - 4, laneHeight);
          g.clip();
          g.fillStyle = "#ffffff";
          g.fillText(bar.label, x0 + 4, y + laneHeight / 2); // canvas text is never parsed as markup
          g.restore();
        }
      }
    } else if (timeline.density) {
      const peak = Math.max(1, ...timeline.density);
      const slice = width / timeline.density.length;
      g.fillStyle = COLOURS[0] as string;
      timeline.density.forEach((count, bucket) => {
        const h = (count / peak) * barHeight;
        g.fillRect(bucket * slice, top + barHeight - h, Math.ceil(slice), h);
      });
    }
    if (laneCount > 1) {
      g.fillStyle = "#333";
      g.font = "11px system-ui, sans-serif";
      g.textBaseline = "top";
      g.textAlign = "right";
      timeline.lanes.forEach((lane, index) =>
        g.fillText(lane === "" ? "(default network)" : `network ${lane}`, width - 4, top + index * laneHeight + 2),
      );
    }
    g.fillStyle = "#333";
    g.font = "11px system-ui, sans-serif";
    g.textBaseline = "top";
    const ticks = Math.max(2, Math.floor(width / 190));
    for (let i = 0; i <= ticks; i += 1) {
      const x = (i / ticks) * width;
      g.fillRect(x, HEIGHT - AXIS, 1, 4);
      const text = formatTime(msOf(x), zone);
      g.textAlign = i === 0 ? "left" : i === ticks ? "right" : "center";
      g.fillText(text, x, HEIGHT - AXIS + 6);
    }
    if (props.cursorMs !== null && props.cursorMs >= timeline.fromMs && props.cursorMs <= timeline.toMs) {
      g.fillStyle = "#d62828";
      g.fillRect(Math.round(xOf(props.cursorMs)) - 1, 0, 2, HEIGHT - AXIS);
    }
  }, [timeline, width, props.cursorMs, zone]);

  const zoom = (factor: number) => {
    const centre = props.cursorMs ?? timeline.fromMs + span / 2;
    const half = Math.max(1_000, (span * factor) / 2);
    props.onZoom(Math.round(centre - half), Math.round(centre + half));
  };
  const onKey = (event: KeyboardEvent) => {
    const step = span * (event.shiftKey ? 0.1 : 0.01);
    const at = props.cursorMs ?? timeline.fromMs;
    if (event.key === "ArrowLeft") props.onCursor(Math.max(timeline.fromMs, Math.round(at - step)));
    else if (event.key === "ArrowRight") props.onCursor(Math.min(timeline.toMs, Math.round(at + step)));
    else if (event.key === "+" || event.key === "=") zoom(0.5);
    else if (event.key === "-") zoom(2);
    else if (event.key === "0") props.onReset();
    else return;
    event.preventDefault();
  };

  return (
    <div class="timeline" ref={wrap}>
      <div class="toolbar" role="toolbar" aria-label="Timeline zoom">
        <button type="button" onClick={() => zoom(0.5)}>
          Zoom in
        </button>
        <button type="button" onClick={() => zoom(2)}>
          Zoom out
        </button>
        <button type="button" onClick={props.onReset}>
          Whole history
        </button>
        <span class="hint">Click the axis or use ← → (Shift for bigger steps) to move the cursor; + − to zoom.</span>
      </div>
      <canvas
        ref={canvas}
        tabIndex={0}
        role="img"
        aria-label={props.label}
        style={{ width: `${width}px`, height: `${HEIGHT}px` }}
        onClick={(event) => props.onCursor(msOf((event as MouseEvent).offsetX))}
        onKeyDown={onKey}
        onWheel={(event) => {
          event.preventDefault();
          const ms = msOf((event as WheelEvent).offsetX);
          const factor = (event as WheelEvent).deltaY < 0 ? 0.7 : 1.4;
          props.onZoom(
            Math.round(ms - (ms - timeline.fromMs) * factor),
            Math.round(ms + (timeline.toMs - ms) * factor),
          );
        }}
      />
    </div>
  );
}
