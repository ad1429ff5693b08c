"""Four eyes on menus and items (审核发布): submit a change, list the changes, and a second
operator's approval (at once or at a time) or rejection. Audited (models/reviews.py)."""

from api import published
from api.auth import require_roles
from api.base import BaseHandler
from models import reviews
from models.catalog import check_channel
from models.reviews import (
    ApproveSchema,
    ItemChangeSchema,
    MenuChangeSchema,
    RejectSchema,
    ReviewListSchema,
    ReviewSchema,
)

REVIEW_ID = r"(?P<review_id>[0-9a-f]{32})"


class ReviewsHandler(BaseHandler):
    @require_roles("operator")
    async def get(self):
        """Changes submitted for review, newest first, and the city's rule (`mode`: optional or required).
        ---
        tags: [admin]
        parameters:
          - {in: query, name: state, schema: {type: string, enum: [pending, scheduled, publishing, published, rejected, failed]}}
          - {in: query, name: kind, schema: {type: string, enum: [menu, item]}}
        responses:
          200: {description: "OK", content: {application/json: {schema: ReviewListSchema}}}
        """
        found = await reviews.list_reviews(self.deps.db, state=self.query_arg("state", choices=reviews.STATES),
                                           kind=self.query_arg("kind", choices=reviews.KINDS))
        self.send(ReviewListSchema().dump({"mode": self.config.menu_review, "reviews": found}))


class MenuReviewsHandler(BaseHandler):
    @require_roles("operator")
    async def post(self, channel):
        """Submit a menu change (the body's menu, or the saved draft) for a second operator. Checked
        as a publish is: 422 `menu.invalid`, 409 `menu.stale_base` when base_version is not the head.
        ---
        tags: [admin]
        requestBody:
          content: {application/json: {schema: MenuChangeSchema}}
        responses:
          201: {description: "OK", content: {application/json: {schema: ReviewSchema}}}
          409: {description: "menu.stale_base"}
          422: {description: "menu.invalid, by path"}
        """
        check_channel(channel)
        body = self.load(MenuChangeSchema())
        doc = await published.submit_menu_change(self.deps, channel, body, self.actor())
        self.send_versioned(ReviewSchema(), doc, 201)


class ItemReviewsHandler(BaseHandler):
    @require_roles("operator")
    async def post(self):
        """Submit an item change for a second operator: base_version is the version edited, none for a new item.
        ---
        tags: [admin]
        requestBody:
          content: {application/json: {schema: ItemChangeSchema}}
        responses:
          201: {description: "OK", content: {application/json: {schema: ReviewSchema}}}
          404: {description: "item.not_found: base_version names an item that does not exist"}
          409: {description: "item.version_conflict or item.exists"}
          422: {description: "by field"}
        """
        body = self.load(ItemChangeSchema())
        doc = await published.submit_item_change(self.deps, body, self.actor())
        self.send_versioned(ReviewSchema(), doc, 201)


class ReviewHandler(BaseHandler):
    @require_roles("operator")
    async def get(self, review_id):
        """One change with its content; its version is the ETag an approval or rejection sends back.
        ---
        tags: [admin]
        responses:
          200: {description: "OK", content: {application/json: {schema: ReviewSchema}}}
        """
        self.send_versioned(ReviewSchema(), await reviews.get_review(self.deps.db, review_id))


class ApproveHandler(BaseHandler):
    @require_roles("operator")
    async def post(self, review_id):
        """Approve another operator's change: published now (`published` or `failed` with the reason,
        e.g. someone published over its base), or `scheduled` when publish_at is in the future.
        ---
        tags: [admin]
        parameters:
          - {in: header, name: If-Match, required: true, schema: {type: string, pattern: "^[0-9]{1,9}$"}}
        requestBody:
          content: {application/json: {schema: ApproveSchema}}
        responses:
          200: {description: "OK", content: {application/json: {schema: ReviewSchema}}}
          403: {description: "review.own_change: the submitter cannot approve it"}
          409: {description: "review.version_conflict or review.not_open"}
        """
        version = self.if_match_version()
        body = self.load(ApproveSchema())
        doc = await published.approve_change(self.deps, review_id, version, self.actor(), comment=body["comment"],
                                             publish_at=body["publish_at"])
        self.send_versioned(ReviewSchema(), doc)


class RejectHandler(BaseHandler):
    @require_roles("operator")
    async def post(self, review_id):
        """Reject a pending or scheduled change with the reason; it never goes live.
        ---
        tags: [admin]
        parameters:
          - {in: header, name: If-Match, required: true, schema: {type: string, pattern: "^[0-9]{1,9}$"}}
        requestBody:
          content: {application/json: {schema: RejectSchema}}
        responses:
          200: {description: "OK", content: {application/json: {schema: ReviewSchema}}}
          403: {description: "review.own_change"}
          409: {description: "review.version_conflict or review.not_open"}
        """
        version = self.if_match_version()
        body = self.load(RejectSchema())
        doc = await reviews.reject(self.deps.db, review_id, version, self.actor(), comment=body["comment"])
        self.send_versioned(ReviewSchema(), doc)


default_handlers = [
    (r"/api/v1/admin/reviews", ReviewsHandler),
    (rf"/api/v1/admin/reviews/{REVIEW_ID}", ReviewHandler),
    (rf"/api/v1/admin/reviews/{REVIEW_ID}/approve", ApproveHandler),
    (rf"/api/v1/admin/reviews/{REVIEW_ID}/reject", RejectHandler),
    (r"/api/v1/admin/menus/(?P<channel>[^/]+)/reviews", MenuReviewsHandler),
    (r"/api/v1/admin/item-reviews", ItemReviewsHandler),
]
