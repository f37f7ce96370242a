from django.test import TestCase

from .models import Note


class NotesViewsTests(TestCase):
    def test_index_empty(self):
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "<h1>Notes</h1>")
        self.assertContains(response, "rows: 0")

    def test_add_get_redirects_and_lists(self):
        response = self.client.get("/add", {"title": "hello <b>world</b>"})
        self.assertRedirects(response, "/")
        self.assertEqual(Note.objects.count(), 1)
        page = self.client.get("/")
        self.assertContains(page, "rows: 1")
        self.assertContains(page, "hello &lt;b&gt;world&lt;/b&gt;")

    def test_add_post(self):
        response = self.client.post("/add", {"title": "from the form", "body": "text"})
        self.assertRedirects(response, "/")
        self.assertEqual(Note.objects.get().body, "text")

    def test_add_without_title_is_rejected(self):
        self.assertEqual(self.client.get("/add").status_code, 400)
        self.assertEqual(self.client.post("/add", {"title": "  "}).status_code, 400)
        self.assertEqual(Note.objects.count(), 0)

    def test_health(self):
        response = self.client.get("/health")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"ok\n")
