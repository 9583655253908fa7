"""Azure Functions (Python v2 programming model) entry point: registers every Blueprint.

Keep this import light and free of I/O: an exception here makes the real host register zero
functions, and everything imported here is paid on every cold start.
"""

import azure.functions as func

from functions.backup import bp as backup_blueprint
from functions.docs import bp as docs_blueprint
from functions.housekeeping import bp as housekeeping_blueprint
from functions.items import bp as items_blueprint
from functions.lists import bp as lists_blueprint
from functions.me import bp as me_blueprint
from functions.me_import import bp as me_import_blueprint
from shared.web.openapi import describe

# No function keys: App Service authentication (Easy Auth) admits only the gateway's identity.
app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(lists_blueprint)
app.register_functions(items_blueprint)
app.register_functions(me_blueprint)
app.register_functions(me_import_blueprint)
app.register_functions(docs_blueprint)
app.register_functions(housekeeping_blueprint)
app.register_functions(backup_blueprint)
describe(app)  # the served OpenAPI document is built (lazily) from this app
