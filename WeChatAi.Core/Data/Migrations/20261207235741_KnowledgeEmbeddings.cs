using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WeChatAi.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class KnowledgeEmbeddings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "EmbeddingModel",
                table: "knowledge_sources",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<float[]>(
                name: "Embedding",
                table: "knowledge_chunks",
                type: "real[]",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "EmbeddingModel",
                table: "knowledge_sources");

            migrationBuilder.DropColumn(
                name: "Embedding",
                table: "knowledge_chunks");
        }
    }
}
