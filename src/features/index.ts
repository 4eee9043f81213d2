// Every feature's routes, in one list; features register their tasks and navigation links when
// their module loads. Later features (LTI provider, LTI consumer) add themselves here.
import type { RouteRegistrar } from "../http/app.js";
import { registerAuthRoutes } from "./auth/auth.routes.js";
import "./tasks/core.tasks.js";

export const routeRegistrars: RouteRegistrar[] = [registerAuthRoutes];
