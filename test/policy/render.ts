/** Render a committed site for policy tests (shared helper; bh/ep get bo's outputs). */
export { renderSite as render } from "../helpers/render";
